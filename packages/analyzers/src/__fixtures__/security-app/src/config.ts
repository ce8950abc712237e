export const awsAccessKeyId = 'AKIAIOSFODNN7EXAMPLE';

export const settings = {
  databasePassword: 'Qx7rT2pLm9ZkW4vB8nJc',
  apiBaseUrl: 'https://api.example.com/v1',
  token: process.env.API_TOKEN,
  password: 'hunter2',
};
