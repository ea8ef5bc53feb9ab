package sssim

import (
	"context"
	"testing"

	"github.com/vaultlink/vaultlink/services/faultproxy"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
)

// The practice Secret Server's AWS calls ride out a broken connection, as an AWS SDK does by
// default (moto under load resets one now and then; the crash test once failed a sync on it):
// a reset or truncated answer is retried, and the check still succeeds.
func TestAWSCallsRetryABrokenConnection(t *testing.T) {
	sim := awssim.New(awssim.Options{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	for _, f := range []faultproxy.Fault{faultproxy.Reset, faultproxy.Truncated} {
		var c faultproxy.Counter
		p, err := faultproxy.Start("aws", sim.URL(), &c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		s := New(Options{AWSEndpoint: p.URL()})
		id, key := sim.AdminCredentials()
		s.db.Secrets[900] = &secret{ID: 900, Name: "cred", Items: []item{{Slug: "access-key", ItemValue: id}, {Slug: "secret-key", ItemValue: key}}}
		c.Arm(1, f)
		if _, err := s.checkConnection(context.Background(), 900, "us-east-1"); err != nil || !c.Fired() {
			t.Fatalf("%s on the first AWS call: fired %v, err %v", f, c.Fired(), err)
		}
		if n := len(c.Seen()); n != 3 {
			t.Fatalf("%s: want the broken call retried once (3 requests in all), saw %d", f, n)
		}
	}
}
