// Package web is Qingfeng's HTTP face: the SMS and hotline webhooks, the public status
// API, health, readiness and metrics.
package web
