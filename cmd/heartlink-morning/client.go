package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client speaks the HTTP API as one caller.
type client struct {
	base, token string
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// apiError is the service's error body.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s (field %q)", e.Status, e.Code, e.Message, e.Field)
}

// do sends body as JSON and decodes the answer into out, if the status is
// want; otherwise it returns the service's error.
func (c *client) do(ctx context.Context, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	return c.send(ctx, method, path, "application/json", rd, out, want)
}

// csv posts a CSV list.
func (c *client) csv(ctx context.Context, path string, body []byte, out any) error {
	return c.send(ctx, http.MethodPost, path, "text/csv", bytes.NewReader(body), out, http.StatusCreated)
}

func (c *client) send(ctx context.Context, method, path, ctype string, body io.Reader, out any, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		var e struct {
			Error apiError `json:"error"`
		}
		json.Unmarshal(b, &e)
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
