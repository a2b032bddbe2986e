// Package intake turns an understood complaint into a tracked ticket and carries it
// through the lifecycle of DOMAIN.md: routing, deadlines in Chinese working days, the
// audit trail, reporter protection and the Redis store.
package intake
