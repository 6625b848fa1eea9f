-- Run once by the postgres image on an empty data volume: one database per process,
-- so that no service can read another's tables.
CREATE DATABASE sop_gateway;
CREATE DATABASE sop_demand;
CREATE DATABASE sop_supply;
CREATE DATABASE sop_finance;
