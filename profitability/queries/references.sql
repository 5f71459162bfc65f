-- name: ReportingCurrency :one
SELECT reporting_currency FROM accounts WHERE id = $1;

-- name: CatalogDimensions :many
-- The account's own dimension keys and those of every dimensional price in
-- its catalog, sorted.
SELECT pd.key FROM profitability_dimensions pd WHERE pd.account_id = sqlc.arg(account_id) AND pd.mode = sqlc.arg(mode)
UNION
SELECT d FROM products p
    JOIN product_versions v ON v.product_id = p.id
    CROSS JOIN LATERAL jsonb_array_elements(v.prices) pr
    CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(pr->'dimensions', '[]'::jsonb)) d
WHERE p.account_id = sqlc.arg(account_id) AND p.mode = sqlc.arg(mode) AND pr->>'model' = 'dimensional'
ORDER BY 1;

-- name: RateBook :many
SELECT asset, rate, effective_at FROM asset_rates
WHERE account_id = $1 AND mode = $2 AND currency = $3 ORDER BY asset, effective_at;

-- name: CustomerLabels :many
SELECT id, external_id AS label FROM customers WHERE account_id = $1 AND mode = $2 AND id = ANY(sqlc.arg(ids)::text[]);

-- name: ProductLabels :many
SELECT id, code AS label FROM products WHERE account_id = $1 AND mode = $2 AND id = ANY(sqlc.arg(ids)::text[]);
