package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
)

// Logs are the three outputs a gateway writes: the server log, the access
// log and the security event stream, all JSON lines.
type Logs struct {
	// Server is the server log: startup, reloads, upstream failures.
	Server *slog.Logger
	// Access is the access log, one line per request.
	Access *audit.AccessLog
	// Events is the security event stream.
	Events  *audit.Logger
	closers []io.Closer
	// access is the access log's buffered output, when it has one.
	access *audit.BufferedWriter
}

// OpenLogs opens the outputs named in cfg: "stderr", "stdout", "off" or a
// file path (appended to, created with mode 0600). The access log is
// buffered and written every 200ms by a goroutine of its own, never by a
// request (see [audit.BufferedWriter]).
func OpenLogs(cfg config.Log, stderr io.Writer) (*Logs, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	l := &Logs{}
	open := func(name string, buffered bool) (io.Writer, error) {
		var w io.Writer
		switch name {
		case "off":
			return nil, nil
		case "", "stderr":
			w = stderr
		case "stdout":
			w = os.Stdout
		default:
			f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
			if err != nil {
				return nil, err
			}
			l.closers = append(l.closers, f)
			w = f
		}
		if buffered {
			// The buffer flushes into w and never closes it: a file is
			// closed once, by Close, and the standard streams never.
			bw := audit.NewBufferedWriter(writerOnly{w}, 200*time.Millisecond)
			l.closers = append([]io.Closer{bw}, l.closers...)
			l.access = bw
			return bw, nil
		}
		return w, nil
	}
	var errs []error
	server, err := open(cfg.Server, false)
	errs = append(errs, wrap("log.server", err))
	access, err := open(cfg.Access, true)
	errs = append(errs, wrap("log.access", err))
	events, err := open(cfg.Events, false)
	errs = append(errs, wrap("log.events", err))
	if err := errors.Join(errs...); err != nil {
		_ = l.Close()
		return nil, err
	}
	if server != nil {
		// Upstream error excerpts and client errors may carry credentials;
		// the server log passes them through the events' redactor.
		l.Server = slog.New(slog.NewJSONHandler(server, &slog.HandlerOptions{Level: level, ReplaceAttr: audit.RedactAttr}))
	} else {
		l.Server = slog.New(slog.DiscardHandler)
	}
	if access != nil {
		// The access log writes its lines without slog; observers (the
		// security console, metrics) get outcomes from the gateway's
		// audit.Hub, not from the log.
		l.Access = audit.NewJSONAccessLog(access)
	}
	if events != nil {
		l.Events = audit.NewLogger(slog.NewJSONHandler(events, nil))
	}
	return l, nil
}

// writerOnly hides every method of a writer but Write.
type writerOnly struct{ io.Writer }

func wrap(field string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", field, err)
}

// Dropped returns the access log lines lost so far: dropped while the
// output stalled, or refused by it.
func (l *Logs) Dropped() uint64 {
	if l.access == nil {
		return 0
	}
	return l.access.Dropped()
}

// Close flushes the outputs and closes the files among them; the standard
// streams stay open.
func (l *Logs) Close() error {
	var errs []error
	for _, c := range l.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
