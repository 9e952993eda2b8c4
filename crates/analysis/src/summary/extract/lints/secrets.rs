//! Which attribute names hold a secret, and which strings are one rather than a pointer to one.
//!
//! A name is read as words (`POSTGRES_PASSWORD`, `apiKey`, `client-secret`); its last word says
//! what the value is. `passwordFile`, `tokenPath`, `passwordCommand` end in another word: their
//! value says where the secret is, which is what belongs in a configuration. `hashedPassword` is
//! a hash, made to be public.

/// Last words that name a secret.
const SECRET_WORDS: &[&str] =
    &["password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "secretkey"];

/// Words before `key` that make it a secret (`apiKey`, `AWS_SECRET_ACCESS_KEY`); any other key
/// (`publicKey`, `signingKey`, a key id) is not.
const SECRET_KEY_KINDS: &[&str] = &["api", "private", "secret", "access"];

/// Words that make the value something else than the secret itself.
const NOT_SECRET: &[&str] = &["hashed", "hash", "public"];

/// Whether an attribute named `name` holds a secret when its value is a string.
pub(super) fn names_secret(name: &str) -> bool {
    // Most names end otherwise: decided without splitting them.
    if !ends_like_a_secret(name) {
        return false;
    }
    let words = words(name);
    let Some((last, before)) = words.split_last() else { return false };
    if words.iter().any(|w| NOT_SECRET.contains(&w.as_str())) {
        return false;
    }
    SECRET_WORDS.contains(&last.as_str())
        || (last == "key" && before.last().is_some_and(|w| SECRET_KEY_KINDS.contains(&w.as_str())))
}

/// Whether a string written under a secret's name is the secret itself: not empty, and not one of
/// the forms services and secret tools substitute at run time (`$__file{...}`, `@placeholder@`,
/// `!secret name`, `{{ ... }}`, `env:NAME`, `file:/path`), nor a path or a hash (`$6$...`).
pub(super) fn is_secret_value(value: &str) -> bool {
    let value = value.trim();
    let reference = value.starts_with(['/', '$', '@', '!', '~', '%'])
        || value.contains("{{")
        || ["env:", "file:", "vault:"].iter().any(|prefix| value.starts_with(prefix));
    !value.is_empty() && !reference
}

/// Whether `name` ends, in any case, as a name of a secret must (its last word is one of
/// `SECRET_WORDS`, or `key`): one look at its end, for the many names that do not.
fn ends_like_a_secret(name: &str) -> bool {
    let bytes = name.as_bytes();
    // The last letter first: it rules out most names (`settings`, `openFirewall`, `extraGroups`) before
    // any ending is compared, and every config name passes here.
    let last = bytes.last().map(u8::to_ascii_lowercase);
    last.is_some_and(|last| ENDINGS.iter().any(|end| end.as_bytes().last() == Some(&last)))
        && ENDINGS.iter().any(|end| {
            bytes.len() >= end.len() && bytes[bytes.len() - end.len()..].eq_ignore_ascii_case(end.as_bytes())
        })
}

/// The endings of `SECRET_WORDS` (`apikey` and the like end in `key`).
const ENDINGS: &[&str] = &["password", "passwd", "passphrase", "secret", "token", "key"];

/// `POSTGRES_PASSWORD`, `apiKey`, `client-secret`, `secret.key` as lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            push_word(&mut out, &mut current);
            previous_lower = false;
            continue;
        }
        // `apiKey`: a capital after a small letter starts a word; `API` stays one.
        if c.is_uppercase() && previous_lower {
            push_word(&mut out, &mut current);
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    push_word(&mut out, &mut current);
    out
}

fn push_word(out: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        out.push(std::mem::take(current));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "password",
            "POSTGRES_PASSWORD",
            "apiKey",
            "api_key",
            "apikey",
            "token",
            "GITHUB_TOKEN",
            "secret",
            "clientSecret",
            "privateKey",
            "private-key",
            "SECRET_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "initialPassword",
        ] {
            assert!(names_secret(name), "{name} holds a secret");
        }
    }

    #[test]
    fn names_of_other_things() {
        for name in [
            "passwordFile",
            "hashedPassword",
            "initialHashedPassword",
            "tokenPath",
            "passwordCommand",
            "secretKeyFile",
            "publicKey",
            "signingKey",
            "AWS_ACCESS_KEY_ID",
            "tokenizer",
            "description",
            "passwordAuthentication",
            "secrets",
            "",
        ] {
            assert!(!names_secret(name), "{name} holds no secret");
        }
    }

    #[test]
    fn values_that_point_to_a_secret() {
        for value in [
            "",
            " ",
            "/run/secrets/db",
            "$__file{/run/secrets/x}",
            "@DB_PASSWORD@",
            "!secret db",
            "{{ .Env.X }}",
            "env:TOKEN",
            "$6$salt$hash",
        ] {
            assert!(!is_secret_value(value), "{value:?} is no secret");
        }
        assert!(is_secret_value("hunter2"));
    }
}
