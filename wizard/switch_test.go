package wizard_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/vaultlink/vaultlink/wizard"
)

// countingIAM counts the calls that reach one AWS connection, and can hold the first identity
// check until released, so a test can act while a step is running.
type countingIAM struct {
	wizard.IAM
	mu      sync.Mutex
	calls   int
	hold    chan struct{} // nil: do not hold
	entered chan struct{}
}

func (c *countingIAM) CallerIdentity(ctx context.Context) (wizard.Identity, error) {
	c.mu.Lock()
	c.calls++
	hold, entered := c.hold, c.entered
	c.hold = nil
	c.mu.Unlock()
	if hold != nil {
		close(entered)
		<-hold
	}
	return c.IAM.CallerIdentity(ctx)
}

func (c *countingIAM) EnsureUser(ctx context.Context, name string, adopt bool) (wizard.Entity, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.IAM.EnsureUser(ctx, name, adopt)
}

func (c *countingIAM) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// switchingConnector hands out the other connection, optionally holding the switch.
type switchingConnector struct {
	next    *countingIAM
	sm      wizard.SecretsManager
	hold    chan struct{}
	entered chan struct{}
}

func (c *switchingConnector) ConnectAWS(ctx context.Context, _ wizard.Connection) (wizard.IAM, wizard.SecretsManager, error) {
	if c.hold != nil {
		close(c.entered)
		<-c.hold
		c.hold = nil
	}
	return c.next, c.sm, nil
}

func (c *switchingConnector) ConnectSecretServer(context.Context, wizard.SSConnection) (wizard.SecretServer, error) {
	return nil, errors.New("not in this test")
}

// A connection switch and a step never interleave: a switch during a running step is refused
// (the step finishes on the account it started on), and a step started during a switch is
// refused until the switch is done. Run under -race.
func TestSwitchingDuringAStepIsSerialised(t *testing.T) {
	st, store := practice(t)
	ctx := context.Background()
	release := make(chan struct{})
	first := &countingIAM{IAM: st.Services.IAM, hold: release, entered: make(chan struct{})}
	second := &countingIAM{IAM: st.Services.IAM}
	conn := &switchingConnector{next: second, sm: st.Services.SecretsManager}
	svc := st.Services
	svc.IAM, svc.Connector = first, conn
	s, err := wizard.NewSession(guide(t), svc, store, wizard.Guided)
	if err != nil {
		t.Fatal(err)
	}
	m1 := s.Guide().Modules[0]
	createUser := wizard.StepRef{Module: m1.ID, Step: m1.Steps[0].ID}

	done := make(chan error)
	go func() { _, err := s.Run(ctx, createUser); done <- err }()
	<-first.entered // the step is now inside its first AWS call
	if _, err := s.SwitchAWS(ctx, wizard.Connection{Profile: "other"}); !errors.Is(err, wizard.ErrBusy) {
		t.Fatalf("a switch during a step must be refused with ErrBusy, got %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if first.count() < 2 || second.count() != 0 {
		t.Fatalf("the step must run wholly on the account it started on: first %d calls, second %d", first.count(), second.count())
	}

	// Now a switch that takes its time: a step started meanwhile is refused.
	finish := make(chan struct{})
	conn.hold, conn.entered = finish, make(chan struct{})
	switched := make(chan error)
	go func() { _, err := s.SwitchAWS(ctx, wizard.Connection{Profile: "other"}); switched <- err }()
	<-conn.entered
	if _, err := s.Run(ctx, createUser); !errors.Is(err, wizard.ErrBusy) {
		t.Fatalf("a step during a switch must be refused with ErrBusy, got %v", err)
	}
	close(finish)
	if err := <-switched; err != nil {
		t.Fatal(err)
	}
	before := first.count()
	if _, err := s.Run(ctx, createUser); err != nil {
		t.Fatal(err)
	}
	if first.count() != before || second.count() < 2 {
		t.Fatalf("after the switch the step must use the new account: first %d→%d, second %d", before, first.count(), second.count())
	}
}
