//! How deeply a source nests, estimated from its tokens before it is parsed.
//!
//! The parser, the model builder and even dropping a syntax tree recurse once per level
//! of nesting, so a file like `x = 'a'+'a'+…` with 50,000 terms, 50,000 nested `[`, a
//! long run of `not` or a million-link attribute chain `a.a.a…` would overflow the stack
//! of the thread analysing it (and take a proxy or service down with it). The estimate
//! walks ruff's own lexer (the token stream the parser will see, f-strings included),
//! so it cannot be fooled by text the parser reads differently. It is an upper bound in
//! practice: every token that can open a level of the tree counts one, and only a comma
//! (a sibling starts) or the end of a logical line takes the count back.
//!
//! CPython refuses such files too: it compiles chains of about 3,000 operators and
//! 200 nested brackets at most, and 100 levels of indentation. A file over
//! [`MAX_NESTING`] is not analysed but reported as `analysis-limit-exceeded`: fail
//! closed, since what cannot be analysed cannot be vetted.

use ruff_python_ast::token::TokenKind;
use ruff_python_parser::Mode;

/// Deepest estimated nesting analysed; beyond it the file is refused.
pub(crate) const MAX_NESTING: usize = 3_000;

/// Operator classes from the loosest binding to the tightest (Python's precedence).
const LAMBDA: usize = 0; // lambda, :=, yield
const TERNARY: usize = 1; // if, else
const OR: usize = 2;
const AND: usize = 3;
const NOT: usize = 4;
const COMPARE: usize = 5; // flat in the tree: not counted, but ends tighter chains
const BIT_OR: usize = 6;
const BIT_XOR: usize = 7;
const BIT_AND: usize = 8;
const SHIFT: usize = 9;
const ARITH: usize = 10;
const TERM: usize = 11;
const UNARY: usize = 12; // unary + - ~, starred * and **
const POWER: usize = 13; // **, await
const PRIMARY: usize = 14; // attribute links, calls, subscripts
const CLASSES: usize = 15;

/// One expression between commas at one bracket level. On the path from its root to
/// any leaf, the operators of one class all lie in one run of that class not broken
/// by a looser operator, so the sum over classes of the longest run bounds the path.
#[derive(Clone, Copy, Default)]
struct Segment {
    run: [u32; CLASSES],
    longest: [u32; CLASSES],
    /// Sum of `longest`.
    ops: usize,
    /// Deepest bracketed child (its bound plus one for the bracket's node); 1 for a leaf.
    child: usize,
}

impl Segment {
    fn op(&mut self, class: usize) {
        for r in &mut self.run[class + 1..] {
            *r = 0;
        }
        if class == COMPARE {
            return;
        }
        self.run[class] += 1;
        if self.run[class] > self.longest[class] {
            self.longest[class] = self.run[class];
            self.ops += 1;
        }
    }
    fn bound(&self) -> usize {
        self.ops + self.child.max(1)
    }
}

/// One bracket level (or the logical line, at the bottom of the stack).
#[derive(Clone, Copy)]
struct Level {
    /// The token that closes it.
    closer: TokenKind,
    seg: Segment,
    /// Deepest segment already ended by a comma.
    done: usize,
    /// `lambda` keywords whose `:` has not been seen yet: their parameters' commas do
    /// not end the expression.
    open_lambdas: usize,
}

impl Level {
    fn new(closer: TokenKind) -> Level {
        Level { closer, seg: Segment::default(), done: 0, open_lambdas: 0 }
    }
    fn bound(&self) -> usize {
        self.done.max(self.seg.bound())
    }
}

/// The estimated nesting depth of `text`, stopping early once it exceeds `stop`. It is
/// never more than the length of the text (each counted token takes a byte at least).
pub(crate) fn estimate(text: &str, stop: usize) -> usize {
    estimate_within(text, stop, usize::MAX).unwrap_or(stop.saturating_add(1))
}

/// Lexer errors after which [`estimate_within`] gives up: the lexer keeps every error
/// it meets, and binary bytes make one every few bytes (500 MB of them for 37 MB).
/// Source with parse errors has a handful.
pub(crate) const LEX_ERRORS_MAX: usize = 1 << 18;

/// [`estimate`], or `None` once the lexer has met more than `max_errors` errors: the
/// text is not Python, and lexing on would only pile up errors.
pub(crate) fn estimate_within(text: &str, stop: usize, max_errors: usize) -> Option<usize> {
    let mut errors = 0usize;
    let mut lexer = ruff_python_parser::lexer::lex(text, Mode::Module);
    let mut levels = vec![Level::new(TokenKind::Newline)];
    let mut indent = 0usize;
    let mut max = 0usize;
    // whether the previous token ended an operand (so `-` is binary, `(` a call)
    let mut after_operand = false;
    loop {
        let kind = lexer.next_token();
        if matches!(kind, TokenKind::Comment | TokenKind::NonLogicalNewline) {
            continue;
        }
        if kind == TokenKind::Unknown {
            errors += 1;
            if errors > max_errors {
                return None;
            }
        }
        let top = levels.len() - 1;
        let operand = ends_operand(kind);
        match kind {
            TokenKind::EndOfFile => break,
            TokenKind::Indent => indent += 1,
            TokenKind::Dedent => indent = indent.saturating_sub(1),
            TokenKind::Newline | TokenKind::Semi => {
                close_line(&mut levels, indent, &mut max);
                levels.push(Level::new(TokenKind::Newline));
            }
            TokenKind::Comma => {
                let l = &mut levels[top];
                if l.open_lambdas == 0 {
                    l.done = l.done.max(l.seg.bound());
                    l.seg = Segment::default();
                }
            }
            TokenKind::Colon => {
                let l = &mut levels[top];
                l.open_lambdas = l.open_lambdas.saturating_sub(1);
            }
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace | TokenKind::FStringStart | TokenKind::TStringStart => {
                if after_operand && matches!(kind, TokenKind::Lpar | TokenKind::Lsqb) {
                    levels[top].seg.op(PRIMARY);
                }
                levels.push(Level::new(closer(kind)));
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace | TokenKind::FStringEnd | TokenKind::TStringEnd => {
                // only a matching closer ends a level: a stray one cannot hide nesting
                if levels.len() > 1 && levels[top].closer == kind {
                    // braces count twice: in an f-string, a replacement field with a
                    // format spec is two levels of the tree
                    let b = levels[top].bound() + if kind == TokenKind::Rbrace { 2 } else { 1 };
                    levels.pop();
                    let parent = &mut levels[top - 1].seg;
                    parent.child = parent.child.max(b);
                }
            }
            TokenKind::Lambda => {
                levels[top].seg.op(LAMBDA);
                levels[top].open_lambdas += 1;
            }
            k => {
                if let Some(class) = class(k, after_operand) {
                    levels[top].seg.op(class);
                }
            }
        }
        after_operand = operand;
        // a lower bound of the final estimate: the open levels and the current run
        let l = &levels[levels.len() - 1];
        let now = indent + levels.len() - 1 + l.seg.ops.max(l.done);
        max = max.max(now);
        if max > stop {
            return Some(max);
        }
    }
    close_line(&mut levels, indent, &mut max);
    Some(max)
}

/// Ends a logical line: what it left open ends with it, and its bound counts.
fn close_line(levels: &mut Vec<Level>, indent: usize, max: &mut usize) {
    while let Some(l) = levels.pop() {
        let b = l.bound();
        match levels.last_mut() {
            Some(parent) => parent.seg.child = parent.seg.child.max(b + 1),
            None => *max = (*max).max(indent + b),
        }
    }
}

fn closer(opener: TokenKind) -> TokenKind {
    match opener {
        TokenKind::Lpar => TokenKind::Rpar,
        TokenKind::Lsqb => TokenKind::Rsqb,
        TokenKind::Lbrace => TokenKind::Rbrace,
        TokenKind::FStringStart => TokenKind::FStringEnd,
        _ => TokenKind::TStringEnd,
    }
}

/// Tokens after which an operator is binary and a bracket a call or subscript.
fn ends_operand(k: TokenKind) -> bool {
    matches!(
        k,
        TokenKind::Name
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::Complex
            | TokenKind::String
            | TokenKind::FStringEnd
            | TokenKind::TStringEnd
            | TokenKind::Rpar
            | TokenKind::Rsqb
            | TokenKind::Rbrace
            | TokenKind::True
            | TokenKind::False
            | TokenKind::None
            | TokenKind::Ellipsis
            | TokenKind::Match
            | TokenKind::Case
            | TokenKind::Type
            | TokenKind::Lazy
    )
}

/// The operator class of a token, if it can nest what follows.
fn class(k: TokenKind, after_operand: bool) -> Option<usize> {
    Some(match k {
        TokenKind::ColonEqual | TokenKind::Yield => LAMBDA,
        TokenKind::If | TokenKind::Else => TERNARY,
        TokenKind::Or => OR,
        TokenKind::And => AND,
        // `a not in b` is a comparison
        TokenKind::Not if after_operand => COMPARE,
        TokenKind::Not => NOT,
        TokenKind::EqEqual
        | TokenKind::NotEqual
        | TokenKind::Less
        | TokenKind::Greater
        | TokenKind::LessEqual
        | TokenKind::GreaterEqual
        | TokenKind::In
        | TokenKind::Is => COMPARE,
        TokenKind::Vbar => BIT_OR,
        TokenKind::CircumFlex => BIT_XOR,
        TokenKind::Amper => BIT_AND,
        TokenKind::LeftShift | TokenKind::RightShift => SHIFT,
        TokenKind::Plus | TokenKind::Minus if after_operand => ARITH,
        TokenKind::Star | TokenKind::Slash | TokenKind::DoubleSlash | TokenKind::Percent | TokenKind::At if after_operand => TERM,
        TokenKind::DoubleStar if after_operand => POWER,
        TokenKind::Plus | TokenKind::Minus | TokenKind::Tilde | TokenKind::Star | TokenKind::DoubleStar | TokenKind::At => UNARY,
        TokenKind::Await => POWER,
        TokenKind::Dot => PRIMARY,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(s: &str) -> usize {
        estimate(s, usize::MAX)
    }

    #[test]
    fn gives_up_on_text_that_is_not_python() {
        // binary bytes: the lexer errs every few bytes, and the estimate stops counting
        let junk: String = (0..200_000u32).map(|i| char::from_u32(0x80 + (i * 7919) % 0x700).unwrap_or('?')).collect();
        assert_eq!(estimate_within(&junk, MAX_NESTING, 1_000), None);
        // source with a few errors is estimated as ever
        let broken = "x = (1 +\n$ = 2\ny = [[1]]\n";
        assert_eq!(estimate_within(broken, MAX_NESTING, 1_000), Some(estimate(broken, MAX_NESTING)));
    }

    #[test]
    fn counts_what_nests() {
        assert_eq!(est("x = a + b + c\n"), 3);
        assert_eq!(est("x = a.b.c.d\n"), 4);
        assert_eq!(est("x = [[[1]]]\n"), 4);
        assert_eq!(est("x = not not not y\n"), 4);
        assert_eq!(est("x = - - - y\n"), 4);
        assert_eq!(est("x = f()()()\n"), 5);
        assert_eq!(est("x = lambda: lambda: lambda: 1\n"), 4);
        // siblings do not add up
        assert_eq!(est("x = [a + b, c + d, e + f]\n"), 3);
        assert_eq!(est("x = 1\ny = 2\nz = a + b\n"), 2);
        // a tighter chain inside each term of a looser one: the longest of each, summed
        assert_eq!(est("x = a*b*c + d*e + f*g\n"), 5);
        assert_eq!(est("x = a < b < c < d\n"), 1);
        // the parameters of a lambda do not end it
        assert_eq!(est("x = lambda a, b: lambda c, d: lambda e, f: 1\n"), 4);
        // indentation is nesting too
        assert_eq!(est("if a:\n    if b:\n        if c:\n            x = 1\n"), 4);
        // inside f-strings, and not inside plain strings
        assert!(est("x = f'{-(-(-(-y)))}'\n") >= 8);
        assert_eq!(est("x = '((((((((((((((((((((('\n"), 1);
        // a stray closer does not end a level it does not match
        assert!(est(&"(]".repeat(100)) >= 100);
    }

    #[test]
    fn bounds_the_real_depth_of_long_chains() {
        for n in [10usize, 1_000] {
            let terms = vec!["chr(1)"; n].join("+");
            assert!(est(&format!("x = {terms}\n")) > n);
            assert!(est(&format!("x = {}1\n", "lambda: ".repeat(n))) > n);
            assert!(est(&format!("x = {}1\n", "not ".repeat(n))) > n);
            assert!(est(&format!("x = a{}\n", ".a".repeat(n))) > n);
            assert!(est(&format!("x = {}{}\n", "[".repeat(n), "]".repeat(n))) > n);
            assert!(est(&format!("x = {}1\n", "lambda a, b=1: ".repeat(n))) > n);
            assert!(est(&format!("x = 1{}\n", " if a else 1".repeat(n))) > n);
            assert!(est(&format!("x = 2{}\n", " ** 2".repeat(n))) > n);
        }
    }

    #[test]
    fn stops_early() {
        let deep = format!("x = {}1\n", "-".repeat(100_000));
        assert_eq!(estimate(&deep, 50), 51);
    }
}
