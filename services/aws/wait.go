package aws

import (
	"math/rand/v2"
	"time"
)

// Backoff is the schedule of the wait for a new access key (WaitForKey): when to try again
// after a try that failed only because the key has not propagated yet.
//
// The first try is made at once: on a warm AWS account, and always in practice mode without a
// delay, the key already works, and any pause would be pure waste. Pauses then start short and
// grow, because most keys work within a few seconds (one study measured 13 % still failing
// after 1 s, 2 % after 3 s, about 0 after 10 s): a short first pause catches the common case
// early, and growth keeps the number of calls low when a key is slow. The cap bounds how late
// VaultLink notices a key that has started working (the "overshoot"): never more than Max plus
// one round trip. Jitter only ever shortens a pause, so the cap stays a true bound, and it
// keeps several waiters (two VaultLink windows, a script) from calling in lockstep.
//
// The whole wait is bounded by Config.KeyWait (2 minutes by default) and by the caller's
// context (Cancel in the window, Ctrl-C in apply), not by the schedule.
type Backoff struct {
	Initial time.Duration // the pause after the first failed try
	Factor  float64       // each pause is this many times the previous one, up to Max
	Max     time.Duration // no pause is longer than this
	Jitter  float64       // each pause is shortened by a random fraction in [0, Jitter)
	// Rand returns a number in [0, 1) (math/rand/v2's Float64 when nil); tests fix it.
	Rand func() float64
}

// KeyBackoff is the schedule WaitForKey uses: pauses of about 0.2, 0.3, 0.45, 0.68 s, then
// at most 0.8 s each, so VaultLink proceeds within about a second of a key starting to work,
// and a key that takes the full 2 minutes costs about 150 calls of each probe at most.
var KeyBackoff = Backoff{Initial: 200 * time.Millisecond, Factor: 1.5, Max: 800 * time.Millisecond, Jitter: 0.2}

// Pause is how long to wait before try number attempt (counted from 1): zero for the first
// try, then Initial·Factor^(attempt-2) capped at Max, less the jitter.
func (b Backoff) Pause(attempt int) time.Duration {
	if attempt <= 1 {
		return 0
	}
	d := float64(b.Initial)
	// Bounded: the loop stops growing at the cap, long before attempt matters.
	for i := 2; i < attempt && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	d = min(d, float64(b.Max))
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(d * (1 - b.Jitter*r()))
}
