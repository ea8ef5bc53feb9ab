// Package sandbox runs practice mode's simulated AWS and Secret Server together on loopback,
// wired so that Secret Server's vault syncs reach the simulated AWS, and seeded with a little
// content to pull and push.
package sandbox

import (
	"fmt"

	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
)

// Region is the practice region.
const Region = "us-east-1"

// PracticeSecrets are what a Pull finds in the practice AWS account.
var PracticeSecrets = []string{"practice/app-db-password", "practice/api-token"}

// PushSecret is the practice Secret Server secret module 6 pushes.
const PushSecret = sssim.PracticePushSecret

// Endpoints say where a running sandbox listens; `vaultlink sandbox --env-file` writes them so
// other commands can attach to it.
type Endpoints struct {
	AWS          string `json:"aws_endpoint"`
	SecretServer string `json:"secret_server_url"`
}

// Endpoints returns where this sandbox listens.
func (s *Sandbox) Endpoints() Endpoints { return Endpoints{AWS: s.AWS.URL(), SecretServer: s.SS.URL()} }

// Sandbox is a running pair of simulators.
type Sandbox struct {
	AWS *awssim.Server
	SS  *sssim.Server
}

// Start starts both simulators and seeds the practice content. ssOpts tunes the Secret
// Server (its AWS endpoint is always the practice AWS).
func Start(awsOpts awssim.Options, ssOpts sssim.Options) (*Sandbox, error) {
	a := awssim.New(awsOpts)
	if _, err := a.Start(); err != nil {
		return nil, err
	}
	ssOpts.AWSEndpoint = a.URL()
	s := sssim.New(ssOpts)
	if _, err := s.Start(); err != nil {
		a.Close()
		return nil, err
	}
	for i, name := range PracticeSecrets {
		a.SeedSecret(Region, name, fmt.Sprintf(`{"practice":"value %d"}`, i+1))
	}
	s.SeedSecret(PushSecret, "app", "practice-password-to-push")
	return &Sandbox{AWS: a, SS: s}, nil
}

// Close stops both.
func (s *Sandbox) Close() {
	s.SS.Close()
	s.AWS.Close()
}

// CLIProfile is the AWS CLI profile the practice instructions set up for the practice
// operator.
const CLIProfile = "vaultlink-practice"

// CLISetup returns the AWS CLI commands that create the practice operator's profile, and a
// first command that uses it against the practice AWS at endpoint. The key in them is the
// fixed, public practice key: it opens only the simulator on loopback and is refused by AWS.
// IAM and STS are global, so one endpoint and region serve all three services.
func CLISetup(endpoint string) (setup []string, try string) {
	setup = []string{
		"aws configure set aws_access_key_id " + awssim.PracticeAdminKeyID + " --profile " + CLIProfile,
		"aws configure set aws_secret_access_key " + awssim.PracticeAdminSecret + " --profile " + CLIProfile,
		"aws configure set region " + Region + " --profile " + CLIProfile,
	}
	return setup, "aws --profile " + CLIProfile + " --endpoint-url " + endpoint + " sts get-caller-identity"
}
