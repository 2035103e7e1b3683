-- Readings recorded before sources were kept: those posted with an API token (recorded_by `api:<token name>`) came
-- from the device-count API; every other one was typed (the column's default, `manual`, already says so).
UPDATE "device_readings" SET "source" = 'api' WHERE "recorded_by" LIKE 'api:%';
