-- a copied database must neither call Xero with the production tokens nor keep them
UPDATE xero_connection
   SET access_token = NULL,
       refresh_token = NULL,
       token_expires_at = NULL,
       client_secret = NULL,
       webhook_key = NULL,
       state = CASE WHEN state = 'draft' THEN 'draft' ELSE 'paused' END;
