//! `GET /api/routes`, `GET /api/routes/{id}/review`, `POST /api/routes/review` (issue 5): being written.
