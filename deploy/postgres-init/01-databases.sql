-- Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d).
-- School data lives in "chatbot" (POSTGRES_DB); Rasa's conversations in "rasa".
CREATE DATABASE rasa OWNER chatbot;
