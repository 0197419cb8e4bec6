//! `apileak forge KIND TOKEN`: the forged token a broken-token-validation reproduction sends.

use crate::cli::{ForgeArgs, ForgeKind};
use crate::error::AppError;
use crate::identity::{Forge, bearer_of, forge_token};

use super::Done;

pub fn forge(args: &ForgeArgs) -> Result<Done, AppError> {
    let forge = match args.kind {
        ForgeKind::Garbage => Forge::Garbage,
        ForgeKind::BadSignature => Forge::BadSignature,
        ForgeKind::AlgNone => Forge::AlgNone,
        ForgeKind::WeakKey => Forge::WeakKey(args.key.clone().unwrap_or_default()),
    };
    let from_stdin;
    let given = match (&args.token, &forge) {
        (Some(token), _) => token.as_str(),
        (None, Forge::Garbage) => "",
        (None, _) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                AppError::Usage(format!("failed to read the token from stdin: {e}"))
            })?;
            from_stdin = text;
            from_stdin.trim()
        }
    };
    let token = bearer_of(given);
    // Never echo the input: it is a live credential.
    let forged = forge_token(token, &forge).ok_or_else(|| {
        AppError::Usage(format!(
            "{} needs a JWT (header.claims.signature); the token given is not one",
            forge.label()
        ))
    })?;
    Ok(Done {
        stdout: format!("{forged}\n"),
        code: 0,
    })
}
