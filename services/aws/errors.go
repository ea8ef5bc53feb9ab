package aws

import (
	"errors"
	"net"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// errorCode returns the AWS error code, or "".
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

// friendly explains the errors an admin can do something about; anything else keeps AWS's own
// words with its code.
func friendly(err error) error {
	if err == nil {
		return nil
	}
	code := errorCode(err)
	msg := err.Error()
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg = apiErr.ErrorMessage()
	}
	advice := ""
	switch {
	case code == "AccessDenied" || code == "AccessDeniedException":
		advice = "AWS denied the call (" + code + "): " + msg + ". Ask your AWS administrator for that permission, or sign in with an identity that has it"
	case code == "InvalidClientTokenId" || code == "UnrecognizedClientException":
		advice = "AWS does not recognise the access key in use (" + code + "): check the profile's credentials, or sign in again"
	case code == "SignatureDoesNotMatch" || code == "InvalidSignatureException":
		advice = "AWS rejected the request signature (" + code + "): the secret key is wrong, or this computer's clock is off"
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
		advice = "your AWS session has expired (" + code + "): sign in again (for SSO: aws sso login)"
	case code == "Throttling" || code == "ThrottlingException" || errors.As(err, new(ratelimit.QuotaExceededError)):
		advice = "AWS is throttling requests (" + code + "): wait a minute and run the step again"
	case code == "LimitExceeded":
		advice = "an AWS quota was reached: " + msg
	}
	if advice == "" {
		var dnsErr *net.DNSError
		var opErr *net.OpError
		switch {
		case errors.As(err, &dnsErr) || errors.As(err, &opErr):
			advice = "cannot reach AWS (" + firstLine(err) + "): check the network, proxy and endpoint settings"
		case strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "failed to refresh cached credentials"):
			advice = "no AWS credentials were found: choose a profile, run aws configure (or aws sso login), or set AWS_ACCESS_KEY_ID"
		}
	}
	if advice == "" {
		if code != "" {
			return &PlainError{Advice: msg + " (" + code + ")", Err: err}
		}
		return err
	}
	return &PlainError{Advice: advice, Err: err}
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
