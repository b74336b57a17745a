//! School commuter line review (issue 5): being written.
