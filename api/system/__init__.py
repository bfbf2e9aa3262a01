"""The service about itself: liveness and readiness, the offline API docs, the audit log."""
