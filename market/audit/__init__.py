"""The audit log: every decision that moves money or changes who wins appends an event to a
hash chain (each event carries the hash of the one before), written in the same transaction as
the decision. `flask audit verify` walks the chain and names any edited, deleted or reordered event."""
