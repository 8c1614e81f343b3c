# One image for both processes: `worker` runs the Temporal worker, `api` the HTTP API.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Workers load the prebuilt workflow bundle instead of bundling at start (less memory, faster start).
RUN npm run build:workflows
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
# The web app's static files (web/dist), which the API serves at /.
RUN npm run web:build
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
