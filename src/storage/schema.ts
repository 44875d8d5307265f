/** Kysely table types, shared by every backend. Booleans are 0/1 integers so one query fits both dialects. */
export interface ClientsTable {
  id: string;
  environment: string;
  name: string;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  scopes: string;
  grant_types: string;
  redirect_uris: string;
  is_resource_server: number;
  merchant_id: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface TokensTable {
  hash: string;
  kind: string;
  client_id: string;
  environment: string;
  scope: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  grant_id: string | null;
  subject: string | null;
}

export interface SigningKeysTable {
  kid: string;
  environment: string;
  alg: string;
  public_jwk: string;
  private_key_encrypted: string;
  created_at: number;
  activates_at: number;
  deactivates_at: number;
  expires_at: number;
}

export interface Database {
  clients: ClientsTable;
  tokens: TokensTable;
  signing_keys: SigningKeysTable;
}
