package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/tools"
)

// ConfirmationTTL is how long a person's yes may take: a confirmation token
// (the preview's, or the state of a multi round-trip request) expires after
// it.
const ConfirmationTTL = 10 * time.Minute

// confirmInput keys the elicitation in a multi round-trip request.
const confirmInput = "confirm"

// confirmSchema is the form the person answers: one box to tick.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"confirm": map[string]any{"type": "boolean", "title": "Confirm", "description": "Yes, do exactly this"},
	},
	"required": []string{"confirm"},
}

// confirmed wraps the handler of a tool that may move money on an agent's
// word alone (tools.Tool.Confirms) so that, when billing says the move needs
// a person's yes (billing.Confirmations.Required: the kind, the account's
// threshold, an automation key), the call runs only after the person
// confirmed exactly these arguments:
//
//   - a client that declares elicitation is asked through a multi round-trip
//     result (2026-07-28); for an older client mcp-go sends the same question
//     as an elicitation/create request and calls this handler again with the
//     answer, so one path serves both eras. The request state is a
//     confirmation token bound to the account, mode, tool and the arguments'
//     fingerprint, so a retry with other arguments is refused;
//   - a client that cannot ask gets a preview, a tool error naming the
//     customer and the amount, with a confirmation token the next call must
//     carry (confirmation_token) with the same arguments, once, within
//     ConfirmationTTL.
//
// A decline moves nothing. This is the one place the protocol side of
// confirmation lives; the rule is billing's, each tool's description of its
// move is its own.
func confirmed(t tools.Tool, st mcpserver.ServerTool, svc *billing.Service, log *slog.Logger) mcpserver.ServerTool {
	if !t.Confirms() {
		return st
	}
	next, name := st.Handler, t.Name
	st.Handler = func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		args, err := tools.CallArguments(req)
		if err != nil {
			return next(ctx, req) // the call says what is wrong with them
		}
		token, _ := args[tools.ConfirmationTokenArg].(string)
		if _, sent := args[tools.ConfirmationTokenArg]; sent {
			delete(args, tools.ConfirmationTokenArg)
			req.Params.Arguments, req.Params.RawArguments = args, nil
		}
		c, moves, err := t.Confirmation(ctx, args)
		if err != nil || !moves {
			// Bad arguments: the call answers what is wrong, and moves nothing.
			return next(ctx, req)
		}
		required, err := svc.Confirmations.Required(ctx, c.Move)
		if err != nil {
			log.Error("mcp confirmation rule", "tool", name, "err", err)
			return internalError(name), nil
		}
		if !required {
			return next(ctx, req)
		}
		caller, _ := billing.CallerFrom(ctx)
		what := fmt.Sprintf("%s (%s mode).", c.Message, caller.Mode)
		fp := fingerprint(args)

		if token != "" {
			if err := svc.Confirmations.Redeem(ctx, token, name, fp); err != nil {
				return refused(name, err, log), nil
			}
			return next(ctx, req)
		}
		if answer := mcpserver.ElicitationResponse(req.Params.InputResponses, confirmInput); answer != nil {
			if err := svc.Confirmations.Redeem(ctx, req.Params.RequestState, name, fp); err != nil {
				return refused(name, err, log), nil
			}
			if !accepted(answer) {
				return mcpgo.NewToolResultError(fmt.Sprintf("The user declined: %s Nothing moved. Do not call %s for this again unless the user asks.", what, name)), nil
			}
			return next(ctx, req)
		}
		tok, expires, err := svc.Confirmations.Issue(ctx, name, fp, ConfirmationTTL)
		if err != nil {
			log.Error("mcp confirmation token", "tool", name, "err", err)
			return internalError(name), nil
		}
		if canElicit(ctx) {
			return mcpserver.NewInputRequestBuilder(tok).Elicit(confirmInput, mcpgo.ElicitationParams{
				Mode:            mcpgo.ElicitationModeForm,
				Message:         what + " Confirm?",
				RequestedSchema: confirmSchema,
			}).ToolResult(), nil
		}
		return mcpgo.NewToolResultError(fmt.Sprintf("Not done yet: this needs the user's confirmation, and this client cannot ask them (it declares no elicitation). Nothing has moved. "+
			"Show the user exactly this and ask for a yes: %s If they say yes, call %s again with the same arguments plus %s %q (once, before %s); if not, do not call it.",
			what, name, tools.ConfirmationTokenArg, tok, expires.UTC().Format(time.RFC3339))), nil
	}
	return st
}

// accepted reports whether the person ticked the box and accepted.
func accepted(r *mcpgo.ElicitationResult) bool {
	if r.Action != mcpgo.ElicitationResponseActionAccept {
		return false
	}
	content, _ := r.Content.(map[string]any)
	yes, _ := content["confirm"].(bool)
	return yes
}

// canElicit reports whether the client of ctx's request can ask its user a
// form: on 2026-07-28 by the capabilities the request declares, before it by
// those the session declared at initialize.
func canElicit(ctx context.Context) bool {
	var caps *mcpgo.ClientCapabilities
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		caps = info.ClientCapabilities
	} else if s, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok {
		c := s.GetClientCapabilities()
		caps = &c
	}
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	// An empty elicitation capability means form mode (2025-06-18).
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}

// fingerprint identifies a call's arguments exactly: their JSON with the
// keys sorted (encoding/json sorts map keys), hashed.
func fingerprint(args map[string]any) string {
	b, err := json.Marshal(args)
	if err != nil {
		b = fmt.Appendf(nil, "%v", args)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// refused turns a token that cannot be redeemed into a tool error saying why
// and how to ask again.
func refused(tool string, err error, log *slog.Logger) *mcpgo.CallToolResult {
	if kernel.ErrorCode(err) != kernel.EConflict {
		log.Error("mcp confirmation redeem", "tool", tool, "err", err)
		return internalError(tool)
	}
	return mcpgo.NewToolResultError(fmt.Sprintf("%s; nothing moved. If the call this token confirmed went through, it is done (read it back with a get_ or list_ tool); otherwise call %s again without %s to ask the user again.",
		kernel.ErrorMessage(err), tool, tools.ConfirmationTokenArg))
}

func internalError(tool string) *mcpgo.CallToolResult {
	return mcpgo.NewToolResultError(fmt.Sprintf(
		"%s failed with an internal error; it has been logged on the Tollgate server. Retry once; if it fails again, stop and tell the user to check the Tollgate server's log.", tool))
}
