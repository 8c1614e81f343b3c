import { type Kysely, sql } from 'kysely';

// Files a parent uploaded for an enrollment (step 5). The bytes live in the document store, named by their SHA-256;
// this row ties a file to its enrollment, so uploading the same file twice leaves one row.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enrollment_documents')
    .addColumn('enrollment_id', 'text', (col) => col.notNull().references('enrollments.enrollment_id'))
    .addColumn('sha256', 'text', (col) => col.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('size_bytes', 'integer', (col) => col.notNull().check(sql`size_bytes >= 0`))
    .addColumn('uploaded_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('enrollment_documents_pkey', ['enrollment_id', 'sha256'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('enrollment_documents').execute();
}
