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
    let token = args.token.as_deref().map(bearer_of).unwrap_or_default();
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
