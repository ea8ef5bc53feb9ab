package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"

	"github.com/vaultlink/vaultlink/wizard"
)

// errorCode returns the AWS error code, or "". moto answers Secrets Manager denials with an
// XML body the JSON decoder cannot read; a bare 403 counts as AccessDenied.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == 403 {
		return "AccessDenied"
	}
	return ""
}

func isCode(err error, codes ...string) bool {
	return slices.Contains(codes, errorCode(err))
}

// PlainError is an AWS failure explained for an admin, keeping the original for errors.Is/As.
type PlainError struct {
	Advice string
	Err    error
}

func (e *PlainError) Error() string { return e.Advice }
func (e *PlainError) Unwrap() error { return e.Err }

var servicePrefix = map[string]string{"IAM": "iam", "STS": "sts", "Secrets Manager": "secretsmanager"}

// action names the call that failed, as IAM policies name it ("iam:CreateUser").
func action(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		p := servicePrefix[oe.Service()]
		if p == "" {
			p = strings.ToLower(oe.Service())
		}
		return p + ":" + oe.Operation()
	}
	return "the call"
}

// friendly explains the failures an admin can act on (credentials, sessions, permissions,
// throttling, the network); anything else keeps AWS's own words with its code.
// notFound is friendly, and marks "no such entity" as wizard.ErrNotFound, so the health check
// can tell a missing entity (drift) from a call that failed.
func (c *Client) notFound(err error) error {
	if isCode(err, "NoSuchEntity") {
		return fmt.Errorf("%w (%w)", wizard.ErrNotFound, c.friendly(err))
	}
	return c.friendly(err)
}

func (c *Client) friendly(err error) error {
	if err == nil {
		return nil
	}
	var already *PlainError
	if errors.As(err, &already) {
		return err
	}
	code := errorCode(err)
	msg := err.Error()
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg = apiErr.ErrorMessage()
	}
	// AWS error text can quote what it was sent; nothing secret-looking is passed on.
	msg = wizard.Redact(msg)
	profile := ""
	if c.conf.Profile != "" {
		profile = " --profile " + c.conf.Profile
	}
	advice := ""
	var ssoErr *ssocreds.InvalidTokenError
	switch {
	case errors.As(err, &ssoErr) || strings.Contains(msg, "cached SSO token is expired"):
		advice = "your AWS SSO sign-in has expired: run `aws sso login" + profile + "`, then try again"
	case strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") || strings.Contains(msg, "no EC2 IMDS role found"):
		advice = "no AWS credentials were found: choose a profile, run `aws configure` (or `aws sso login`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	case code == "InvalidClientTokenId" && action(err) != "" && strings.HasPrefix(action(err), "iam:") && c.sessionCredentials():
		advice = "IAM refused your temporary credentials (" + action(err) + "): credentials from `aws sts get-session-token` work for IAM only when MFA was given. Get them again with --serial-number and --token-code, or use an SSO or role profile"
	case code == "AccessDenied" || code == "AccessDeniedException":
		advice = "AWS denied " + action(err) + " (" + code + "): " + msg + ". Ask your AWS administrator to allow " + action(err) + ", or sign in with an identity that has it"
	case code == "InvalidClientTokenId" || code == "UnrecognizedClientException":
		advice = "AWS does not recognise the access key in use (" + code + "): check the profile's credentials, or sign in again"
	case code == "SignatureDoesNotMatch" || code == "InvalidSignatureException":
		advice = "AWS rejected the request signature (" + code + "): the secret key is wrong, or this computer's clock is off"
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
		advice = "your AWS session has expired (" + code + "): sign in again (`aws sso login" + profile + "` for SSO) and retry"
	case code == "Throttling" || code == "ThrottlingException" || code == "TooManyRequestsException" || errors.As(err, new(*ratelimit.QuotaExceededError)):
		advice = "AWS is throttling requests (" + action(err) + ", " + orCode(code) + ") even after retrying: wait a minute, then run the step again"
	case code == "LimitExceeded":
		advice = "an AWS quota was reached (" + action(err) + "): " + msg
	}
	var respErr *awshttp.ResponseError
	var netErr net.Error
	switch {
	case advice != "":
	case errors.Is(err, context.Canceled):
		advice = "stopped: " + action(err) + " was cancelled before AWS answered. Run the step again when you are ready; it finds anything the call had already made"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) || strings.Contains(err.Error(), "Client.Timeout exceeded"):
		advice = "AWS did not answer " + action(err) + " in time (the endpoint" + c.endpointNote() + " may be unreachable or overloaded): check the network and any proxy (HTTPS_PROXY), then run the step again; it finds anything the call had already made"
	case errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500:
		advice = fmt.Sprintf("AWS answered %s with HTTP %d, a server error without an AWS error message (an outage, or a proxy in between): wait a moment and run the step again; it finds anything the call had already made", action(err), respErr.HTTPStatusCode())
	default:
		var dnsErr *net.DNSError
		var opErr *net.OpError
		if errors.As(err, &dnsErr) || errors.As(err, &opErr) {
			advice = "cannot reach AWS for " + action(err) + " (" + networkReason(err) + "): check the network connection, any proxy (HTTPS_PROXY) and the endpoint" + c.endpointNote() + ", then run the step again; it finds anything the interrupted call had already made"
		}
	}
	if advice == "" {
		if code != "" {
			return &PlainError{Advice: msg + " (" + code + ")", Err: err}
		}
		return wizard.RedactError(err)
	}
	return &PlainError{Advice: advice, Err: err}
}

func orCode(code string) string {
	if code == "" {
		return "rate limited"
	}
	return code
}

func (c *Client) endpointNote() string {
	if c.conf.Endpoint != "" {
		return " " + c.conf.Endpoint
	}
	if c.cfg.BaseEndpoint != nil {
		return " " + *c.cfg.BaseEndpoint + " (from AWS_ENDPOINT_URL or the profile)"
	}
	return ""
}

func networkReason(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "the name " + dnsErr.Name + " does not resolve"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Op + ": " + opErr.Err.Error()
	}
	return "network error"
}

// sessionCredentials says whether the configured credentials are temporary ones.
func (c *Client) sessionCredentials() bool {
	if c.cfg.Credentials == nil {
		return false
	}
	creds, err := c.cfg.Credentials.Retrieve(context.Background())
	return err == nil && creds.SessionToken != ""
}
