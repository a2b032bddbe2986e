// Package bot is the dialogue that guides a citizen from a free description to a
// complete report, the same on every channel; sessions live in Redis.
package bot
