package fake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// op is one API call as CloudTrail names it.
type op struct {
	service  string // rds, ec2... (the fault's Service, eventSource's prefix)
	name     string // CreateDBInstance
	readOnly bool
	params   map[string]any // requestParameters; secrets already hidden
	data     bool           // an S3 data event (not served by LookupEvents)
}

// result is what a call returns for its CloudTrail record.
type result struct {
	response  any
	resources []eventResource
}

// eventResource is a resource an event names.
type eventResource struct {
	Type string // AWS::RDS::DBInstance
	Name string // the id LookupEvents' ResourceName matches
	ARN  string
}

// codedError is an AWS error code around one of cloud's typed errors, so
// callers match the typed error and CloudTrail records AWS's code.
type codedError struct {
	Service, Operation string
	Code               string
	Err                error
}

func (e *codedError) Error() string {
	return fmt.Sprintf("%s %s: %s: %v", e.Service, e.Operation, e.Code, e.Err)
}

func (e *codedError) Unwrap() error { return e.Err }

func notFound(code, typ, id string) error {
	return &codedError{Code: code, Err: &cloud.NotFoundError{Type: typ, ID: id}}
}

func dependency(resource, message string, blockedBy ...string) error {
	return &codedError{Code: "DependencyViolation", Err: &cloud.DependencyViolationError{Resource: resource, BlockedBy: blockedBy, Message: message}}
}

func apiError(code string, kind error, format string, args ...any) error {
	return &cloud.APIError{Code: code, Message: fmt.Sprintf(format, args...), Kind: kind}
}

func invalid(code, format string, args ...any) error {
	return apiError(code, cloud.ErrInvalidParameter, format, args...)
}

// errorCode is the code and message CloudTrail records for err, filling in
// the service and operation the error came from.
func errorCode(err error, o op) (code, message string) {
	var ce *codedError
	var ae *cloud.APIError
	switch {
	case errors.As(err, &ce):
		ce.Service, ce.Operation = o.service, o.name
		return ce.Code, ce.Err.Error()
	case errors.As(err, &ae):
		if ae.Service == "" {
			ae.Service, ae.Operation = o.service, o.name
		}
		return ae.Code, ae.Message
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "RequestCanceled", err.Error()
	default:
		return "InternalFailure", err.Error()
	}
}

// do runs one call: faults first, then fn in a write transaction, then
// the CloudTrail record, written in the same transaction whether fn
// failed or not (fn's own changes are undone when it fails).
func (a *Account) do(ctx context.Context, o op, fn func(tx *sql.Tx) (result, error)) error {
	delay := a.sim.retryDelay
	for attempt := 0; ; attempt++ {
		err := a.once(ctx, o, fn)
		if err == nil || !cloud.IsRetryable(err) || attempt >= a.sim.retries {
			return err
		}
		t := time.NewTimer(delay) // the client's backoff, as an SDK's
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// once makes one attempt of a call.
func (a *Account) once(ctx context.Context, o op, fn func(tx *sql.Tx) (result, error)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", o.service, o.name, err)
	}
	faultErr, err := a.sim.injectFault(ctx, o)
	if err != nil {
		return err
	}
	var callErr error
	err = a.sim.write(ctx, func(tx *sql.Tx) error {
		var res result
		switch {
		case faultErr != nil:
			callErr = faultErr
		case o.readOnly:
			// Reads change nothing that needs undoing (LookupEvents'
			// request count is kept on purpose).
			res, callErr = fn(tx)
		default:
			if _, err := tx.Exec(`SAVEPOINT call`); err != nil {
				return fmt.Errorf("%s %s: %w", o.service, o.name, err)
			}
			res, callErr = fn(tx)
			if callErr != nil {
				if _, err := tx.Exec(`ROLLBACK TO call`); err != nil {
					return fmt.Errorf("%s %s: %w", o.service, o.name, err)
				}
			}
			if _, err := tx.Exec(`RELEASE call`); err != nil {
				return fmt.Errorf("%s %s: %w", o.service, o.name, err)
			}
		}
		ev := event{
			account: a.id, region: a.region, identity: a.ident, at: a.sim.now(),
			source: o.service, name: o.name, readOnly: o.readOnly, data: o.data,
			params: o.params, response: res.response, resources: res.resources,
			userAgent: a.userAgent, sourceIP: a.sourceIP,
		}
		if callErr != nil {
			ev.errorCode, ev.errorMessage = errorCode(callErr, o)
			ev.response = nil
		}
		if o.service == "route53" {
			ev.region = "us-east-1" // global services record in us-east-1
		}
		return a.sim.record(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", o.service, o.name, err)
	}
	if callErr != nil {
		var ae *cloud.APIError
		if errors.As(callErr, &ae) || errors.As(callErr, new(*codedError)) || cloud.IsRetryable(callErr) {
			return callErr
		}
		return fmt.Errorf("%s %s: %w", o.service, o.name, callErr)
	}
	return nil
}

// The kinds of fault.
const (
	FaultThrottle    = "throttle"
	FaultServerError = "server-error"
	FaultLatency     = "latency"
)

// Fault makes calls fail or slow down at a rate. Faults live in the
// database, so a fault set by one process (envbench sim faults) affects
// every process using the simulation.
type Fault struct {
	Service   string  // rds, ec2, kms, secretsmanager, route53, s3, sts, cloudtrail, tagging, ecs; "*" for all
	Operation string  // CreateDBSnapshot...; "*" for all
	Kind      string  // FaultThrottle, FaultServerError or FaultLatency
	Rate      float64 // the share of matching calls affected, 0 to 1
	Latency   time.Duration
}

// SetFault adds a fault, or replaces the one of the same service,
// operation and kind.
func (s *Sim) SetFault(f Fault) error {
	switch f.Kind {
	case FaultThrottle, FaultServerError, FaultLatency:
	default:
		return fmt.Errorf("set fault: kind %q is not one of %s, %s, %s", f.Kind, FaultThrottle, FaultServerError, FaultLatency)
	}
	if f.Service == "" || f.Operation == "" {
		return fmt.Errorf("set fault: service and operation are required (\"*\" for all)")
	}
	if err := CheckOperation(f.Service, f.Operation); err != nil {
		return fmt.Errorf("set fault: %w", err)
	}
	if f.Rate < 0 || f.Rate > 1 || f.Rate != f.Rate {
		return fmt.Errorf("set fault %s %s: rate %v is not between 0 and 1", f.Service, f.Operation, f.Rate)
	}
	if f.Kind == FaultLatency && f.Latency <= 0 {
		return fmt.Errorf("set fault %s %s: a latency fault needs a positive latency", f.Service, f.Operation)
	}
	return s.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO faults (service, operation, kind, rate, latency) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (service, operation, kind) DO UPDATE SET rate = excluded.rate, latency = excluded.latency`,
			f.Service, f.Operation, f.Kind, f.Rate, int64(f.Latency))
		if err != nil {
			return fmt.Errorf("set fault: %w", err)
		}
		return nil
	})
}

// Faults lists the faults set, by service, operation and kind.
func (s *Sim) Faults() ([]Fault, error) {
	return s.faults(context.Background(), "", "")
}

func (s *Sim) faults(ctx context.Context, service, operation string) ([]Fault, error) {
	q := `SELECT service, operation, kind, rate, latency FROM faults`
	var args []any
	if service != "" {
		q += ` WHERE service IN (?, '*') AND operation IN (?, '*')`
		args = append(args, service, operation)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY service, operation, kind`, args...)
	if err != nil {
		return nil, fmt.Errorf("read faults: %w", err)
	}
	defer rows.Close()
	var out []Fault
	for rows.Next() {
		var f Fault
		var lat int64
		if err := rows.Scan(&f.Service, &f.Operation, &f.Kind, &f.Rate, &lat); err != nil {
			return nil, fmt.Errorf("read faults: %w", err)
		}
		f.Latency = time.Duration(lat)
		out = append(out, f)
	}
	return out, rows.Err()
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() error {
	return s.write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM faults`); err != nil {
			return fmt.Errorf("clear faults: %w", err)
		}
		return nil
	})
}

// injectFault applies the faults matching o: latency waits (on the
// context, with a real timer), throttling and server errors return the
// error the call fails with.
func (s *Sim) injectFault(ctx context.Context, o op) (error, error) {
	fs, err := s.faults(ctx, o.service, o.name)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.service, o.name, err)
	}
	var fail error
	for _, f := range fs {
		if f.Rate <= 0 || s.random() >= f.Rate {
			continue
		}
		switch f.Kind {
		case FaultLatency:
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%s %s: %w", o.service, o.name, ctx.Err())
			}
		case FaultThrottle:
			if fail == nil {
				fail = cloud.Retryable("throttled", &cloud.APIError{Service: o.service, Operation: o.name, Code: throttleCode(o.service), Message: "Rate exceeded"})
			}
		case FaultServerError:
			if fail == nil {
				code, msg := "InternalError", "We encountered an internal error. Please try again."
				if o.service == "s3" || o.service == "route53" {
					code, msg = "ServiceUnavailable", "Service Unavailable"
				}
				fail = cloud.Retryable("server error", &cloud.APIError{Service: o.service, Operation: o.name, Code: code, Message: msg})
			}
		}
	}
	return fail, nil
}

// throttleCode is the code each service throttles with.
func throttleCode(service string) string {
	switch service {
	case "rds", "sts", "route53":
		return "Throttling"
	case "ec2":
		return "RequestLimitExceeded"
	case "s3":
		return "SlowDown"
	default:
		return "ThrottlingException"
	}
}

func dependencyError(resource, message string, blockedBy []string) error {
	return &cloud.DependencyViolationError{Resource: resource, BlockedBy: blockedBy, Message: message}
}
