# One image for both processes: `worker` runs the Temporal worker, `api` the HTTP API.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
