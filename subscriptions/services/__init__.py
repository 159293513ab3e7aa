"""Writes for aNewSpring subscriptions: subscribe, change, unsubscribe, score, refresh, sync.

The order is always the same: call aNewSpring first, outside any transaction (so the audit
event of a failed call is kept), then write the local copy and the action's audit event in
one atomic block, only after aNewSpring confirmed. A failure records a failed audit event
for the action, changes nothing local and raises :class:`AnewspringError` with a message
fit for the coordinator.
"""
