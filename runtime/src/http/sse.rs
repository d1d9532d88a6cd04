//! Server-sent events parsing (being written).
