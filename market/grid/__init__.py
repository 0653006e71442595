"""The grid ledger (网格台账, 接诉即办): problems that grid and building leaders collect door to door,
dispatched to the body responsible with a deadline, escalated when late, closed in public and rated."""
