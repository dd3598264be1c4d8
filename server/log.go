package server

import "log/slog"

// levelFor keeps probes quiet and makes server errors stand out.
func levelFor(status int, path string) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case path == "/healthz" || path == "/readyz":
		return slog.LevelDebug
	default:
		return slog.LevelInfo
	}
}
