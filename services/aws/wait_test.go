package aws

// The schedule of the new-key wait, checked without a clock: the pauses are computed, and
// poll's sleeps are recorded instead of slept. How close the wait gets to the moment a key
// starts working is measured by BenchmarkKeyPropagation (make bench), not tested here.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// nominal is the un-jittered pause before try n, computed independently of Pause.
func nominal(b Backoff, n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := float64(b.Initial)
	for i := 2; i < n; i++ {
		d = min(d*b.Factor, float64(b.Max))
	}
	return time.Duration(min(d, float64(b.Max)))
}

func TestKeyBackoffSchedule(t *testing.T) {
	b := KeyBackoff
	b.Rand = func() float64 { return 0 } // no jitter: the nominal schedule
	if p := b.Pause(1); p != 0 {
		t.Fatalf("the first try must be made at once, not after %s", p)
	}
	if p := b.Pause(2); p != b.Initial {
		t.Fatalf("first pause %s, want %s", p, b.Initial)
	}
	reachedCap := 0
	for n := 3; n <= 400; n++ {
		prev, p := b.Pause(n-1), b.Pause(n)
		if p < prev {
			t.Fatalf("pauses must not shrink: try %d waits %s after %s", n, p, prev)
		}
		if p > b.Max {
			t.Fatalf("try %d waits %s, over the cap %s", n, p, b.Max)
		}
		if p == prev && p != b.Max {
			t.Fatalf("pauses must grow until the cap: try %d waits %s again", n, p)
		}
		if p == b.Max && reachedCap == 0 {
			reachedCap = n
		}
	}
	if reachedCap == 0 || reachedCap > 10 {
		t.Fatalf("the cap is reached at try %d; it should take a few tries", reachedCap)
	}
	// The cap bounds the overshoot: about a second at most.
	if b.Max > time.Second {
		t.Fatalf("cap %s: VaultLink would notice a working key more than a second late", b.Max)
	}
}

func TestKeyBackoffJitterStaysInBounds(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
		b := KeyBackoff
		b.Rand = func() float64 { return r }
		for n := 2; n <= 50; n++ {
			want := nominal(b, n)
			lo := time.Duration(float64(want) * (1 - b.Jitter))
			if p := b.Pause(n); p > want || p < lo {
				t.Fatalf("r=%v try %d: pause %s outside [%s, %s]", r, n, p, lo, want)
			}
		}
	}
	// The real random source, many times: never over the nominal pause, never under its floor,
	// and not always the same (there is jitter at all).
	b := KeyBackoff
	seen := map[time.Duration]bool{}
	for i := 0; i < 2000; i++ {
		n := 2 + i%20
		want := nominal(b, n)
		p := b.Pause(n)
		if p > want || p < time.Duration(float64(want)*(1-b.Jitter)) {
			t.Fatalf("try %d: pause %s outside the jitter bounds of %s", n, p, want)
		}
		if n == 10 {
			seen[p] = true
		}
	}
	if len(seen) < 10 {
		t.Fatalf("pauses at the cap took only %d distinct values: no jitter", len(seen))
	}
}

// recorder stands in for the sleep between tries: it records each pause and returns at once,
// or returns the context's error once ctx is done, as sleepCtx does.
type recorder struct{ pauses []time.Duration }

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.pauses = append(r.pauses, d)
	return nil
}

func notYet() error { return &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "not yet"} }

func TestPollTriesAtOnceThenFollowsTheSchedule(t *testing.T) {
	b := KeyBackoff
	b.Rand = func() float64 { return 0.5 }
	var rec recorder
	c := &Client{sleep: rec.sleep, backoff: b, conf: Config{KeyWait: time.Minute}}
	const failures = 12
	tries := 0
	var progress []string
	err := c.poll(context.Background(), func(m string) { progress = append(progress, m) }, "waiting", []string{"InvalidClientTokenId"}, func() error {
		tries++
		if len(rec.pauses) != tries-1 {
			t.Fatalf("try %d came after %d pauses", tries, len(rec.pauses))
		}
		if tries <= failures {
			return notYet()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tries != failures+1 || len(rec.pauses) != failures {
		t.Fatalf("%d tries, %d pauses", tries, len(rec.pauses))
	}
	for i, p := range rec.pauses {
		if want := b.Pause(i + 2); p != want {
			t.Fatalf("pause before try %d: %s, the schedule says %s", i+2, p, want)
		}
	}
	if len(progress) == 0 || !strings.Contains(progress[0], "waiting (attempt 1") {
		t.Fatalf("the first failed try must be reported: %q", progress)
	}

	// A key that works at once: one try, no pause, no progress.
	rec, progress = recorder{}, nil
	if err := c.poll(context.Background(), func(m string) { progress = append(progress, m) }, "waiting", []string{"InvalidClientTokenId"}, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rec.pauses) != 0 || len(progress) != 0 {
		t.Fatalf("a working key was waited for: pauses %v, progress %q", rec.pauses, progress)
	}

	// Any other error ends the wait at once.
	rec = recorder{}
	err = c.poll(context.Background(), func(string) {}, "waiting", []string{"InvalidClientTokenId"}, func() error {
		return &smithy.GenericAPIError{Code: "AccessDenied", Message: "no"}
	})
	if err == nil || len(rec.pauses) != 0 {
		t.Fatalf("a denial must not be retried: %v after %d pauses", err, len(rec.pauses))
	}
}

func TestPollStopsWhenCancelled(t *testing.T) {
	var rec recorder
	c := &Client{sleep: rec.sleep, backoff: KeyBackoff, conf: Config{KeyWait: time.Minute}}
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	err := c.poll(ctx, func(string) {}, "waiting", []string{"InvalidClientTokenId"}, func() error {
		tries++
		if tries == 3 {
			cancel()
		}
		if tries > 100 {
			t.Fatal("poll went on after Cancel")
		}
		return notYet()
	})
	if err == nil || !strings.Contains(err.Error(), "stopped waiting") || tries != 3 {
		t.Fatalf("after Cancel on try 3: %v (%d tries)", err, tries)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the error must say it was cancelled: %v", err)
	}
}
