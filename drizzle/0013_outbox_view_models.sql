-- The outbox stores events and view models, rendered when sent; it no longer stores Block Kit. A row queued by the
-- release before as `{type: message, message: {text, blocks}}` becomes a plain notice of its fallback text (the
-- words stay; the blocks, built by an older renderer, go).
UPDATE "outbox"
SET "payload" = jsonb_build_object('type', 'notice', 'text', coalesce("payload" -> 'message' ->> 'text', ''))
WHERE "payload" ->> 'type' = 'message';
