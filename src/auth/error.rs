//! Why a caller's credentials were refused, with PostgREST's codes, messages and details.

/// A refused `Authorization` header. The messages are PostgREST's, word for word.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("Empty JWT is sent in Authorization header")]
    EmptyToken,
    #[error("Expected 3 parts in JWT; got {0}")]
    MalformedToken(usize),
    /// The header or a part is not base64url JSON, or `alg` names no known algorithm.
    #[error("JWT cryptographic operation failed")]
    Undecodable,
    /// `alg: none`: an unsecured token is never accepted.
    #[error("Wrong or unsupported encoding algorithm")]
    UnsupportedAlgorithm,
    /// No configured key may verify the token's `alg` (with its `kid`, if any).
    #[error("No suitable key or wrong key type")]
    NoSuitableKey,
    /// Keys fit the token, but none verified its signature.
    #[error("No suitable key or wrong key type")]
    BadSignature,
    #[error("Parsing claims failed")]
    UnparsableClaims,
    #[error("JWT expired")]
    Expired,
    #[error("JWT not yet valid")]
    NotYetValid,
    #[error("JWT issued at future")]
    IssuedInFuture,
    #[error("JWT not in audience")]
    NotInAudience,
    #[error("The JWT '{0}' claim must be a number")]
    ClaimNotNumber(&'static str),
    #[error("The JWT 'aud' claim must be a string or an array of strings")]
    AudienceNotStrings,
    #[error("Server lacks JWT secret")]
    NoSecret,
    #[error("Anonymous access is disabled")]
    AnonymousDisabled,
}

impl AuthError {
    /// PostgREST's code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::EmptyToken
            | AuthError::MalformedToken(_)
            | AuthError::Undecodable
            | AuthError::UnsupportedAlgorithm
            | AuthError::NoSuitableKey
            | AuthError::BadSignature => "PGRST301",
            AuthError::UnparsableClaims
            | AuthError::Expired
            | AuthError::NotYetValid
            | AuthError::IssuedInFuture
            | AuthError::NotInAudience
            | AuthError::ClaimNotNumber(_)
            | AuthError::AudienceNotStrings => "PGRST303",
            AuthError::NoSecret => "PGRST300",
            AuthError::AnonymousDisabled => "PGRST302",
        }
    }

    /// PostgREST's `details`: the JOSE library's own reason, for the failures that have one.
    pub fn details(&self) -> Option<&'static str> {
        match self {
            AuthError::UnsupportedAlgorithm => {
                Some("JWT is unsecured but expected 'alg' was not 'none'")
            }
            AuthError::NoSuitableKey => Some("No suitable key was found to decode the JWT"),
            AuthError::BadSignature => Some("None of the keys was able to decode the JWT"),
            _ => None,
        }
    }
}
