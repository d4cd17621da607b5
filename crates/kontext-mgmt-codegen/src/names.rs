//! Naming rules shared by every emitter, so a method is called the same everywhere.

use heck::{ToLowerCamelCase, ToPascalCase, ToSnakeCase};

/// Words the spec writes in mixed case that are one word (`getOAuth` → `get_oauth`).
const WORDS: &[(&str, &str)] = &[("OAuth", "Oauth")];

fn normalize(name: &str) -> String {
    let mut s = name.to_string();
    for (from, to) in WORDS {
        s = s.replace(from, to);
    }
    s
}

/// Python attribute and method names: `rotate_secret`, `get_oauth`, `service_accounts`.
pub fn snake(name: &str) -> String {
    normalize(name).to_snake_case()
}

/// Node, Kotlin and Swift method names: `rotateSecret`, `getOAuth` (as the official SDK).
pub fn camel(name: &str) -> String {
    name.to_lower_camel_case()
}

/// Type names: `ServiceAccount`.
pub fn pascal(name: &str) -> String {
    name.to_pascal_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("getOAuth"), "get_oauth");
        assert_eq!(snake("updateOAuthConfig"), "update_oauth_config");
        assert_eq!(snake("serviceAccounts"), "service_accounts");
        assert_eq!(camel("getOAuth"), "getOAuth");
        assert_eq!(pascal("serviceAccounts"), "ServiceAccounts");
    }
}
