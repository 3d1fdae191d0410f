package natsbus

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestClassify pins how publish and frontier failures are treated: what
// recovers is retried (so a failover or two workers queueing one URL at
// once never drop a task), what cannot succeed is not.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want errClass
	}{
		{"no responders (leader election)", nats.ErrNoResponders, classTransient},
		{"timeout", context.DeadlineExceeded, classTransient},
		{"API unavailable", &jetstream.APIError{Code: 503, ErrorCode: 10008}, classTransient},
		{"duplicate message id in process", &jetstream.APIError{Code: 409, ErrorCode: codeDuplicateInProcess, Description: "duplicate message id is in process"}, classTransient},
		{"stream full", &jetstream.APIError{Code: 503, ErrorCode: codeStoreFailed, Description: "maximum messages exceeded"}, classFull},
		{"insufficient resources", &jetstream.APIError{Code: 503, ErrorCode: codeInsufficientResources}, classFull},
		{"message too large", &jetstream.APIError{Code: 400, ErrorCode: codeMessageExceedsMaximum}, classRejected},
		{"max payload", nats.ErrMaxPayload, classRejected},
		{"other API error", &jetstream.APIError{Code: 400, ErrorCode: 10999}, classPermanent},
		{"permission", nats.ErrPermissionViolation, classPermanent},
		{"closed", errors.Join(errors.New("publish"), nats.ErrConnectionClosed), classPermanent},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%s: classify = %d, want %d", tc.name, got, tc.want)
		}
	}
}
