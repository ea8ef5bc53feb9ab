package wizard

import "testing"

// Drift outranks "could not check" (what was found is certain); warnings stay healthy.
func TestHealthExitCode(t *testing.T) {
	for _, c := range []struct {
		statuses []HealthStatus
		want     int
	}{
		{[]HealthStatus{HealthOK, HealthWarn}, 0},
		{[]HealthStatus{HealthOK, HealthUnknown}, 2},
		{[]HealthStatus{HealthUnknown, HealthDrift, HealthOK}, 1},
		{nil, 0},
	} {
		var r HealthReport
		for _, s := range c.statuses {
			r.Items = append(r.Items, HealthItem{Name: string(s), Status: s})
		}
		if got := r.ExitCode(); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.statuses, got, c.want)
		}
	}
}
