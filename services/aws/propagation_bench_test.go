package aws_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// BenchmarkKeyPropagation measures how close WaitForKey gets to the moment a new access key
// starts working: the practice AWS refuses each new key for KeyDelay after creating it, as
// IAM's propagation does, and the overshoot is the time from the key starting to work to
// WaitForKey returning (both probes done). It is counted from just before CreateAccessKey is
// sent, so it includes that call and is never understated. make bench runs it with
// -benchtime=3x; a timing, so not a pass/fail test.
func BenchmarkKeyPropagation(b *testing.B) {
	for _, delay := range []time.Duration{0, 2 * time.Second, 8 * time.Second, 20 * time.Second} {
		b.Run(fmt.Sprintf("delay=%s", delay), func(b *testing.B) {
			ctx := context.Background()
			sim := awssim.New(awssim.Options{KeyDelay: delay})
			if _, err := sim.Start(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { sim.Close() })
			id, secret := sim.AdminCredentials()
			admin, err := vaws.New(ctx, vaws.Config{Endpoint: sim.URL(), StaticKeyID: id, StaticSecret: wizard.NewSecret(secret)})
			if err != nil {
				b.Fatal(err)
			}
			const user, group = "delinea-secrets-sync", "delinea-secrets-group"
			if _, err := admin.EnsureUser(ctx, user, false); err != nil {
				b.Fatal(err)
			}
			if _, err := admin.EnsureGroup(ctx, group, false); err != nil {
				b.Fatal(err)
			}
			if err := admin.AddUserToGroup(ctx, user, group); err != nil {
				b.Fatal(err)
			}
			doc, _ := wizard.LeastPrivilegePolicy("us-east-1", sim.Account(), nil)
			p, err := admin.EnsurePolicy(ctx, "DelineaSecretsManagerLeastPrivilege", doc.JSON(), "", false)
			if err != nil {
				b.Fatal(err)
			}
			if err := admin.AttachGroupPolicy(ctx, group, p.ARN); err != nil {
				b.Fatal(err)
			}
			im := iam.NewFromConfig(sdkConfig(sim.URL(), id, secret))
			var overshoots []time.Duration
			for b.Loop() {
				start := time.Now()
				key, err := admin.CreateAccessKey(ctx, user)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := admin.WaitForKey(ctx, key, func(string) {}); err != nil {
					b.Fatal(err)
				}
				overshoots = append(overshoots, time.Since(start)-delay)
				// A user holds at most two keys.
				if _, err := im.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(key.ID)}); err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(overshoots)
			b.ReportMetric(float64(overshoots[len(overshoots)/2].Milliseconds()), "overshoot-median-ms")
			b.ReportMetric(float64(overshoots[len(overshoots)-1].Milliseconds()), "overshoot-max-ms")
		})
	}
}
