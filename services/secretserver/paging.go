package secretserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// pageTake is how many records VaultLink asks for per page; the server may send fewer.
const pageTake = 100

// maxPages stops a server whose paging never ends from holding a step forever.
const maxPages = 1000

// envelope is Secret Server's paging envelope (PagingOf<Model>), the parts VaultLink follows.
type envelope struct {
	Records  []json.RawMessage `json:"records"`
	HasNext  bool              `json:"hasNext"`
	NextSkip *int              `json:"nextSkip"`
	Skip     int               `json:"skip"`
}

// list reads every page of a search: it follows hasNext and nextSkip, because reading only
// the first page silently loses results on a large server. With empty404, a 404 is an empty
// result (Secret Server Cloud answers an empty search so).
func (c *Client) list(ctx context.Context, path string, q url.Values, empty404 bool, each func(json.RawMessage) error) error {
	if q == nil {
		q = url.Values{}
	}
	skip := 0
	for page := 0; page < maxPages; page++ {
		q.Set("skip", strconv.Itoa(skip))
		q.Set("take", strconv.Itoa(pageTake))
		var env envelope
		if err := c.call(ctx, "GET", path+"?"+q.Encode(), nil, &env); err != nil {
			var he *HTTPError
			if empty404 && errors.As(err, &he) && he.Status == 404 {
				return nil
			}
			return err
		}
		for _, r := range env.Records {
			if err := each(r); err != nil {
				return fmt.Errorf("GET %s: unexpected record: %w", path, err)
			}
		}
		if !env.HasNext || len(env.Records) == 0 {
			return nil
		}
		next := skip + len(env.Records)
		if env.NextSkip != nil && *env.NextSkip > skip {
			next = *env.NextSkip
		}
		skip = next
	}
	return fmt.Errorf("GET %s: the server kept answering with more pages after %d pages", path, maxPages)
}
