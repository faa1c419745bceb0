<?php

return [
    'email' => 'editor@example.com',
    'language' => 'en',
    'name' => 'Jonah Okafor',
    'role' => 'editor'
];