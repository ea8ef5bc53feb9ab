package wizard_test

import (
	"context"
	"testing"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/wizard"
)

func BenchmarkParseGuide(b *testing.B) {
	for b.Loop() {
		if _, err := wizard.ParseGuide(assets.Guide); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPracticeApply measures all six modules end to end against the practice servers
// (a fresh account each time): what `vaultlink apply --practice` spends besides start-up.
func BenchmarkPracticeApply(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		st, store := practice(b)
		s, err := wizard.NewSession(guide(b), st.Services, store, wizard.Unattended)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.RunAll(context.Background(), func(string) {}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
