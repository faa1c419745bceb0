<?php

return [
    'email' => 'admin@example.com',
    'language' => 'en',
    'name' => 'Mira Castell',
    'role' => 'admin'
];