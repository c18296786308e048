// Package wire holds the JSON shapes of Meta's WhatsApp Cloud API: send
// requests and responses, the Graph error envelope, webhook notifications and
// their signatures. It sits at the bottom of the dependency graph and is shared
// by the gateway and the simulator, so both speak exactly the same dialect.
package wire
