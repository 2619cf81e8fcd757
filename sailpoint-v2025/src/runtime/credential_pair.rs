//! The client id/secret pair rule's error: a client id and secret are read together from the
//! first place that has either, never one from each (that could send one client's secret under
//! another client's id), and the error says so, naming the half found, the half missing and
//! the other half elsewhere that is deliberately not used.

use crate::Error;
use crate::runtime::config_names::Saw;
use crate::runtime::config_names::{ENV_CLIENT_ID, ENV_CLIENT_SECRET};

/// The half of the pair that is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Half {
    ClientId,
    ClientSecret,
}

impl Half {
    fn variable(self) -> &'static str {
        match self {
            Half::ClientId => ENV_CLIENT_ID,
            Half::ClientSecret => ENV_CLIENT_SECRET,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Half::ClientId => "ClientId",
            Half::ClientSecret => "ClientSecret",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            Half::ClientId => "client id",
            Half::ClientSecret => "client secret",
        }
    }

    fn other(self) -> Half {
        match self {
            Half::ClientId => Half::ClientSecret,
            Half::ClientSecret => Half::ClientId,
        }
    }
}

/// The error for a pair missing `missing`, read from the environment (`from_env`) or else the
/// config file (`file_label`); `file_has_missing`: the file has the missing half, unused.
pub(crate) fn missing_half(
    missing: Half,
    from_env: bool,
    file_has_missing: bool,
    file_label: &str,
    saw: Saw<'_>,
    looked_at: String,
) -> Error {
    let present = missing.other();
    let (has, unused) = if from_env {
        (
            format!(
                "the environment sets {} but not {}",
                present.variable(),
                missing.variable()
            ),
            file_has_missing.then(|| format!("{} in {file_label}", missing.key())),
        )
    } else {
        (
            format!(
                "{file_label} has {} but no {}",
                present.key(),
                missing.key()
            ),
            None,
        )
    };
    let unused = match unused {
        Some(other) => {
            format!(" (the {other} is not combined with it: it may belong to another client)")
        }
        None => String::new(),
    };
    Error::config(
        missing.setting(),
        format!(
            "{has}; a client id and secret are read as a pair from the first place that has \
             either (builder, environment, config file), never one from each{unused}{saw}"
        ),
        looked_at,
    )
}
