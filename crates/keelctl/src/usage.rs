//! Command-line mistakes reported in kubectl's (cobra/pflag) words instead
//! of clap's: `error: unknown flag: --foo`, then
//! `See 'kubectl get --help' for usage.`, exit code 1.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The message and exit code for a parse failure; `None` for `--help`,
/// which clap prints itself.
pub fn kubectl_message(
    err: &clap::Error,
    command: &clap::Command,
    argv: &[String],
) -> Option<String> {
    let path = command_path(command, argv);
    let see = format!("See '{path} --help' for usage.");
    let context = |kind: ContextKind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let text = match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return None,
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg);
            if !arg.starts_with('-') {
                return Some(format!(
                    "error: unexpected arguments: [{arg}]\nSee '{path} -h' for help and examples"
                ));
            }
            match arg.strip_prefix('-').filter(|a| !a.starts_with('-')) {
                Some(short) => {
                    let letter = short.chars().next().unwrap_or(' ');
                    format!("error: unknown shorthand flag: '{letter}' in {arg}\n{see}")
                }
                None => {
                    let flag = arg.split('=').next().unwrap_or_default();
                    format!("error: unknown flag: {flag}\n{see}")
                }
            }
        }
        ErrorKind::InvalidSubcommand => {
            let name = context(ContextKind::InvalidSubcommand);
            if path == "kubectl" {
                format!("error: unknown command {name:?} for \"kubectl\"")
            } else {
                format!("error: unknown command {name:?}\nSee '{path} -h' for help and examples")
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let long = flag_name(&context(ContextKind::InvalidArg));
            let value = context(ContextKind::InvalidValue);
            let def = find_arg(command, argv, &long);
            let short = def.and_then(clap::Arg::get_short);
            if value.is_empty() {
                match short.filter(|s| argv.iter().any(|a| *a == format!("-{s}"))) {
                    Some(s) => format!("error: flag needs an argument: '{s}' in -{s}\n{see}"),
                    None => format!("error: flag needs an argument: {long}\n{see}"),
                }
            } else {
                let label = match short {
                    Some(s) => format!("-{s}, {long}"),
                    None => long.clone(),
                };
                format!(
                    "error: invalid argument {value:?} for {label:?} flag: {}\n{see}",
                    go_reason(def, &value, &reason(err)).unwrap_or_else(|| reason(err))
                )
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return None;
        }
        _ => format!("error: {}\n{see}", reason(err)),
    };
    Some(text)
}

/// The definition of `--long` in the subcommand named on the command line.
fn find_arg<'c>(command: &'c clap::Command, argv: &[String], long: &str) -> Option<&'c clap::Arg> {
    let name = long.trim_start_matches('-');
    let mut current = command;
    let mut found = current.get_arguments().find(|a| a.get_long() == Some(name));
    for arg in argv.iter().skip(1).filter(|a| !a.starts_with('-')) {
        match current.find_subcommand(arg) {
            Some(sub) => current = sub,
            None => break,
        }
        if let Some(a) = current.get_arguments().find(|a| a.get_long() == Some(name)) {
            found = Some(a);
        }
    }
    found
}

/// Go's `strconv` wording for the flag types kubectl parses with it:
/// booleans (flags that take `=true|false`) and integers.
fn go_reason(def: Option<&clap::Arg>, value: &str, clap_reason: &str) -> Option<String> {
    let boolean = def?
        .get_possible_values()
        .iter()
        .any(|v| v.get_name() == "true");
    if boolean {
        Some(format!(
            "strconv.ParseBool: parsing {value:?}: invalid syntax"
        ))
    } else if clap_reason.contains("invalid digit") {
        Some(format!(
            "strconv.ParseInt: parsing {value:?}: invalid syntax"
        ))
    } else {
        None
    }
}

/// `--output <OUTPUT>` → `--output`; `--watch[=<WATCH>]` (a flag whose
/// value needs `=`, as pflag's optional values do) → `--watch`.
fn flag_name(arg: &str) -> String {
    arg.split([' ', '=', '['])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// clap's own explanation, first line, without its `error: ` prefix.
fn reason(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // For invalid values clap says "invalid value 'x' for '--f <F>': why"; keep the why.
    match first.rsplit_once("': ") {
        Some((_, why)) => why.to_string(),
        None => first.to_string(),
    }
}

/// `kubectl get` / `kubectl config view`: the subcommands named on the command line.
fn command_path(command: &clap::Command, argv: &[String]) -> String {
    let mut path = String::from("kubectl");
    let mut current = command;
    for arg in argv.iter().skip(1).filter(|a| !a.starts_with('-')) {
        match current.find_subcommand(arg) {
            Some(sub) => {
                path.push(' ');
                path.push_str(arg);
                current = sub;
            }
            None => break,
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(args: &[&str]) -> Option<String> {
        let command = crate::cli_command();
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let err = command
            .clone()
            .try_get_matches_from(&argv)
            .expect_err("parse fails");
        kubectl_message(&err, &command, &argv)
    }

    #[test]
    fn flag_mistakes_read_like_kubectl() {
        assert_eq!(
            message(&["keelctl", "get", "cm", "--foo"]).unwrap(),
            "error: unknown flag: --foo\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "get", "cm", "-Z"]).unwrap(),
            "error: unknown shorthand flag: 'Z' in -Z\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "config", "view", "--foo"]).unwrap(),
            "error: unknown flag: --foo\nSee 'kubectl config view --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "get", "cm", "--output"]).unwrap(),
            "error: flag needs an argument: --output\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "foo"]).unwrap(),
            "error: unknown command \"foo\" for \"kubectl\""
        );
        assert_eq!(
            message(&["keelctl", "get", "cm", "-o"]).unwrap(),
            "error: flag needs an argument: 'o' in -o\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "get", "cm", "-A=maybe"]).unwrap(),
            "error: invalid argument \"maybe\" for \"-A, --all-namespaces\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            message(&["keelctl", "api-versions", "extra"]).unwrap(),
            "error: unexpected arguments: [extra]\nSee 'kubectl api-versions -h' for help and examples"
        );
        assert!(message(&["keelctl", "get", "--help"]).is_none());
    }
}
