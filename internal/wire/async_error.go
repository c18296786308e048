package wire

import (
	"strconv"
	"strings"
)

// ErrorCodesHref is Meta's error-codes page, which every asynchronous error
// in a webhook links to.
const ErrorCodesHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

// AsyncError builds an error the way Meta puts it in a webhook's
// statuses[].errors (and other asynchronous errors): the code, its title,
// message equal to the title, href to the error-codes page and
// error_data.details. An empty details repeats the title, since Meta always
// explains. Every status the gateway writes itself uses this shape.
func AsyncError(code int, details string) StatusError {
	return asyncError(code, Title(code), details)
}

// AsyncErrorOf turns a synchronous Graph error (an HTTP answer) into its
// asynchronous form. The title is the catalogue's for a known code, or the
// one inside Meta's "(#code) title" message for a code the catalogue does
// not name.
func AsyncErrorOf(e *Error) StatusError {
	title := Title(e.Code)
	if _, known := metaByCode[e.Code]; !known {
		if t := titleInMessage(e.Code, e.Message); t != "" {
			title = t
		}
	}
	return asyncError(e.Code, title, e.Details())
}

func asyncError(code int, title, details string) StatusError {
	if details == "" {
		details = title
	}
	return StatusError{Code: code, Title: title, Message: title,
		ErrorData: &StatusErrorData{Details: details}, Href: ErrorCodesHref}
}

// titleInMessage returns the title of a Graph message written
// "(#code) title", or "" when it is not written so.
func titleInMessage(code int, msg string) string {
	prefix := "(#" + strconv.Itoa(code) + ") "
	if t, ok := strings.CutPrefix(msg, prefix); ok {
		return strings.TrimSpace(t)
	}
	return ""
}
