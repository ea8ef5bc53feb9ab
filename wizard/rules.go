package wizard

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// A rule checks one input value before any call is made and explains, in words an admin can act
// on, what is wrong. Patterns follow the IAM and Secrets Manager API models.
type rule func(value string) error

var (
	iamNameChars  = regexp.MustCompile(`^[\w+=,.@-]+$`)
	tagValueChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$`)
	smNameChars   = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)
	smNameSuffix  = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)
)

func iamName(kind string, max int) rule {
	return func(v string) error {
		switch {
		case v == "":
			return fmt.Errorf("enter a %s", kind)
		case len(v) > max:
			return fmt.Errorf("%s is %d characters; IAM allows at most %d", kind, len(v), max)
		case !iamNameChars.MatchString(v):
			return fmt.Errorf("%s %q has characters IAM does not accept: use letters, digits and + = , . @ _ -", kind, v)
		}
		return nil
	}
}

var rules = map[string]rule{
	"not-empty": func(v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("this field cannot be empty")
		}
		return nil
	},
	"iam-user-name":   iamName("user name", 64),
	"iam-group-name":  iamName("group name", 128),
	"iam-policy-name": iamName("policy name", 128),
	"iam-tag-value": func(v string) error {
		if n := utf8.RuneCountInString(v); n > 256 {
			return fmt.Errorf("the description is %d characters; IAM tag values allow at most 256", n)
		}
		if !tagValueChars.MatchString(v) {
			return fmt.Errorf("the description may use letters, digits, spaces and _ . : / = + - @ only")
		}
		return nil
	},
	"aws-region": func(v string) error {
		if !regionPattern.MatchString(v) {
			return fmt.Errorf("%q is not an AWS region code (for example us-east-1 or eu-west-2)", v)
		}
		return nil
	},
	"sm-secret-name": func(v string) error {
		switch {
		case v == "" || len(v) > 512:
			return fmt.Errorf("a Secrets Manager name has 1 to 512 characters")
		case !smNameChars.MatchString(v):
			return fmt.Errorf("%q has characters Secrets Manager does not accept: use letters, digits and / _ + = . @ -", v)
		case smNameSuffix.MatchString(v):
			return fmt.Errorf("%q ends in a hyphen and six characters, which AWS confuses with its own ARN suffix: choose another ending", v)
		}
		return nil
	},
}

// ValidateInput checks one value against the input's rule and options.
func ValidateInput(in Input, value string) error {
	if in.Kind == "choice" {
		for _, o := range in.Options {
			if o == value {
				return nil
			}
		}
		return fmt.Errorf("%s: choose one of %s", in.Label, strings.Join(in.Options, ", "))
	}
	if in.Rule == "" {
		return nil
	}
	if err := rules[in.Rule](value); err != nil {
		return fmt.Errorf("%s: %w", in.Label, err)
	}
	return nil
}
