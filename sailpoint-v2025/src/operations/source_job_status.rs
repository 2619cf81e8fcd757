//! [`SourceJobStatus`]: the `status` of a source classification job as an open enum.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use crate::SourceClassificationStatus;

/// The status of a source classification job (the `status` of a
/// [`SourceClassificationStatus`]): SailPoint's documented values, and any other value kept as
/// sent, since SailPoint may add statuses without a new API version.
///
/// `STARTED` and `COLLECTED` are the documented in-progress statuses; every other status,
/// unknown ones included, is one [`ClassifySource`](crate::ClassifySource) stops at.
///
/// ```
/// use sailpoint_v2025::SourceJobStatus;
///
/// assert_eq!("COMPLETED".parse::<SourceJobStatus>(), Ok(SourceJobStatus::Completed));
/// assert!(SourceJobStatus::from("COLLECTED").is_in_progress());
/// let new = SourceJobStatus::from("PAUSED");
/// assert_eq!(new, SourceJobStatus::Other("PAUSED".into()));
/// assert!(!new.is_in_progress());
/// assert_eq!(new.as_str(), "PAUSED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceJobStatus {
    /// `STARTED`: the job is collecting the source's accounts.
    Started,
    /// `COLLECTED`: every account was collected; classification is under way.
    Collected,
    /// `COMPLETED`: every account was classified.
    Completed,
    /// `CANCELLED`: the job was cancelled (`DELETE`); accounts classified before keep their
    /// classification.
    Cancelled,
    /// `TERMINATED`: the job was stopped by SailPoint.
    Terminated,
    /// A status SailPoint did not document (yet), exactly as sent.
    Other(String),
}

impl SourceJobStatus {
    /// The wire value (`STARTED`, ..., or the unknown value as sent).
    pub fn as_str(&self) -> &str {
        match self {
            SourceJobStatus::Started => "STARTED",
            SourceJobStatus::Collected => "COLLECTED",
            SourceJobStatus::Completed => "COMPLETED",
            SourceJobStatus::Cancelled => "CANCELLED",
            SourceJobStatus::Terminated => "TERMINATED",
            SourceJobStatus::Other(other) => other,
        }
    }

    /// Whether the job is still running: `STARTED` or `COLLECTED`. Any other status, an
    /// unknown one included, is taken as final.
    pub fn is_in_progress(&self) -> bool {
        matches!(self, SourceJobStatus::Started | SourceJobStatus::Collected)
    }

    /// The status of a snapshot, if it has one.
    ///
    /// ```
    /// use sailpoint_v2025::{SourceClassificationStatus, SourceJobStatus};
    ///
    /// let snapshot = SourceClassificationStatus {
    ///     status: Some("STARTED".into()),
    ///     ..Default::default()
    /// };
    /// assert_eq!(SourceJobStatus::of(&snapshot), Some(SourceJobStatus::Started));
    /// ```
    pub fn of(snapshot: &SourceClassificationStatus) -> Option<Self> {
        snapshot.status.as_deref().map(Self::from)
    }
}

impl From<&str> for SourceJobStatus {
    fn from(value: &str) -> Self {
        match value {
            "STARTED" => SourceJobStatus::Started,
            "COLLECTED" => SourceJobStatus::Collected,
            "COMPLETED" => SourceJobStatus::Completed,
            "CANCELLED" => SourceJobStatus::Cancelled,
            "TERMINATED" => SourceJobStatus::Terminated,
            other => SourceJobStatus::Other(other.to_owned()),
        }
    }
}

impl From<String> for SourceJobStatus {
    fn from(value: String) -> Self {
        match SourceJobStatus::from(value.as_str()) {
            SourceJobStatus::Other(_) => SourceJobStatus::Other(value),
            known => known,
        }
    }
}

impl FromStr for SourceJobStatus {
    type Err = Infallible;

    fn from_str(value: &str) -> Result<Self, Infallible> {
        Ok(Self::from(value))
    }
}

impl fmt::Display for SourceJobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// [`SourceJobStatus`] straight from a snapshot:
/// `use sailpoint_v2025::SourceClassificationStatusExt` and call `snapshot.job_status()`.
///
/// ```
/// use sailpoint_v2025::{SourceClassificationStatus, SourceClassificationStatusExt, SourceJobStatus};
///
/// let snapshot = SourceClassificationStatus {
///     status: Some("CANCELLED".into()),
///     ..Default::default()
/// };
/// assert_eq!(snapshot.job_status(), Some(SourceJobStatus::Cancelled));
/// ```
pub trait SourceClassificationStatusExt {
    /// The job's status as a [`SourceJobStatus`], if the snapshot has one.
    fn job_status(&self) -> Option<SourceJobStatus>;
}

impl SourceClassificationStatusExt for SourceClassificationStatus {
    fn job_status(&self) -> Option<SourceJobStatus> {
        SourceJobStatus::of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_value_round_trips_and_unknown_ones_are_kept() {
        for wire in [
            "STARTED",
            "COLLECTED",
            "COMPLETED",
            "CANCELLED",
            "TERMINATED",
            "PAUSED",
            "",
        ] {
            let status = SourceJobStatus::from(wire);
            assert_eq!(status.as_str(), wire);
            assert_eq!(SourceJobStatus::from(wire.to_owned()), status);
            assert_eq!(
                status.is_in_progress(),
                matches!(wire, "STARTED" | "COLLECTED")
            );
        }
        assert_eq!(
            SourceJobStatus::from("started"),
            SourceJobStatus::Other("started".into())
        );
    }
}
