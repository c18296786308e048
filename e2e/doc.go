// Package e2e holds end-to-end tests of the whole gateway over loopback:
// a client posts to the gateway, the simulator receives, status webhooks come
// back signed, and the tenant's endpoint receives them re-signed.
package e2e
