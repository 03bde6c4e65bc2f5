//! TODO(helper): patch
