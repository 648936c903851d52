//! NBEATSx (next commit).
